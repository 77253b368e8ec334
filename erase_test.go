package locker_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

// TestDeletedRecipientLeavesOnlyTheID plays a resident's whole life in the
// kiosk on a real SQLite file (directory entry, pre-advice, deposits,
// a pickup, events sent and acknowledged, a search on the screen), deletes
// the resident with directory.delete, and then reads every byte of every
// file the store keeps: no part of the name is left, the id is.
func TestDeletedRecipientLeavesOnlyTheID(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	bank := []locker.Compartment{
		{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}},
		{ID: "A2", Size: locker.SizeM, Addr: locker.LockAddr{Board: 0, Lock: 2}},
		{ID: "A3", Size: locker.SizeL, Addr: locker.LockAddr{Board: 0, Lock: 3}},
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := locker.NewService(locker.Options{Site: "it", Kiosk: "k1", Store: db, Bus: &sensorBus{}, Compartments: bank})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	door := func(kind locker.DoorEventKind) {
		s.HandleDoorEvent(ctx, locker.DoorEvent{Kind: kind, Addr: s.View().Compartment.Addr, Commanded: true})
	}
	must(s.Start(ctx))
	must(s.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups"}, "777777"))
	const id = "RZQ-7"
	_, err = s.UpsertRecipients(ctx, []locker.Recipient{
		{ID: id, Name: "Zelda Quixote-Brambleworth", Unit: "7Q"},
		{ID: "r2", Name: "Alan Turing", Unit: "102"},
	})
	must(err)
	_, err = s.ExpectParcel(ctx, locker.Expected{Barcode: "PRE-ZQ", RecipientID: id, Size: locker.SizeS})
	must(err)

	// A deposit found by searching, one pre-advised, then a pickup.
	must(s.CourierSignIn(ctx, "777777"))
	must(s.ScanParcel(ctx, "SEARCHED-ZQ", ""))
	page, err := s.SearchRecipients(ctx, "quixote")
	must(err)
	if len(page.Items) != 1 || page.Items[0].Name != "Zelda Q." {
		t.Fatalf("search shows %+v, want Zelda Q.", page.Items)
	}
	must(s.ChooseRecipient(ctx, id))
	if v := s.View(); v.Recipient.Name != "Zelda Q." {
		t.Fatalf("the screen's recipient is %q, want the short name", v.Recipient.Name)
	}
	must(s.ChooseSize(ctx, locker.SizeM))
	door(locker.EventOpened)
	door(locker.EventClosed)
	pin := s.View().LastCredential.PIN
	must(s.NextParcel(ctx))
	must(s.ScanParcel(ctx, "PRE-ZQ", ""))
	door(locker.EventOpened)
	door(locker.EventClosed)
	_, err = s.FinishDeposit(ctx)
	must(err)
	must(s.PickupWithPIN(ctx, pin))
	door(locker.EventOpened)
	door(locker.EventClosed)
	must(s.Cancel(ctx))
	// The uplink sends half the events and deletes them after the PubAck.
	sent, err := db.OutboxPending(ctx, 1000)
	must(err)
	var ids []string
	for _, e := range sent[:len(sent)/2] {
		ids = append(ids, e.ID)
	}
	must(db.OutboxDelete(ctx, ids))

	fragments := []string{"Zelda", "Quixote", "Brambleworth"}
	// The control: before the delete the name is in the files.
	if found := nameIn(t, dir, fragments); len(found) == 0 {
		t.Fatal("the name is nowhere in the files before the delete: the test reads the wrong files")
	}
	if _, err := s.DeleteRecipients(ctx, []string{id}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Recipient(ctx, id); err == nil {
		t.Fatal("the recipient is still in the directory")
	}
	// The audit keeps the id: the deposits, the pickup and the delete name it.
	var audited int
	entries, _, err := db.AuditPage(ctx, 0, 10000)
	must(err)
	for _, e := range entries {
		if strings.Contains(e.Subject+" "+e.Detail, id) {
			audited++
		}
	}
	if audited < 3 {
		t.Errorf("the audit names %s %d times, want the deposits and the delete", id, audited)
	}
	if found := nameIn(t, dir, fragments); len(found) > 0 {
		t.Fatalf("after directory.delete the name is still in %v", found)
	}
	must(db.Close())
	if found := nameIn(t, dir, fragments); len(found) > 0 {
		t.Fatalf("after closing the database the name is still in %v", found)
	}
}

// nameIn lists "file: fragment" for each fragment of a name found, in any
// case, in the files of dir.
func nameIn(t *testing.T, dir string, fragments []string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		low := bytes.ToLower(b)
		for _, f := range fragments {
			if bytes.Contains(low, []byte(strings.ToLower(f))) {
				found = append(found, e.Name()+": "+f)
			}
		}
	}
	return found
}
