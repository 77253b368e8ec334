package uplink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/parcelkiosk/locker"
)

// Service is the part of the domain service the command handlers drive
// (*locker.Service implements it). Remote actions are audited by the
// service under the actor "remote:<staff_id>".
type Service interface {
	ExpectParcel(ctx context.Context, e locker.Expected) (id string, err error)
	CancelExpected(ctx context.Context, barcode string) error
	RemoteOpenDoor(ctx context.Context, compartmentID, staffID, reason string) (opened bool, err error)
	RemoteSetCompartment(ctx context.Context, compartmentID string, st locker.CompartmentStatus, staffID, reason string) error
	UpsertRecipients(ctx context.Context, rs []locker.Recipient) (int, error)
	DeleteRecipients(ctx context.Context, ids []string) (int, error)
	UpsertCourier(ctx context.Context, c locker.Courier, code string) error
	DeleteCourier(ctx context.Context, id string) error
	UpsertStaff(ctx context.Context, st locker.Staff, pin string) error
	DeleteStaff(ctx context.Context, id string) error
	ReissuePIN(ctx context.Context, parcelID, staffID string) error
	Status() locker.StatusReport
}

// Backlogger reports the outbox backlog (store.DB implements it).
type Backlogger interface {
	OutboxBacklog(ctx context.Context) (int, error)
}

// Command names (subject suffix after "cmd.").
const (
	CmdParcelExpect    = "parcel.expect"
	CmdParcelCancel    = "parcel.cancel"
	CmdDoorOpen        = "door.open"
	CmdCompartmentSet  = "compartment.set"
	CmdDirectoryUpsert = "directory.upsert"
	CmdDirectoryDelete = "directory.delete"
	CmdCourierUpsert   = "courier.upsert"
	CmdCourierDelete   = "courier.delete"
	CmdStaffUpsert     = "staff.upsert"
	CmdStaffDelete     = "staff.delete"
	CmdPINReissue      = "pin.reissue"
	CmdStatus          = "status"
)

// Error codes of a refused command ({"ok":false,"error":{"code":...}}).
// They are stable: operators' software matches on them.
const (
	CodeBadRequest     = "bad_request"     // malformed JSON, unknown or missing field, invalid value
	CodeTooLarge       = "too_large"       // payload over CommandOptions.MaxPayload
	CodeUnknownCommand = "unknown_command" // no such command name
	CodeNotFound       = "not_found"       // compartment, parcel, barcode ... unknown
	CodeConflict       = "conflict"        // duplicate, wrong state, locker full
	CodeUnauthorized   = "unauthorized"    // no or unknown staff id; missing, bad, stale or replayed operator signature
	CodeUnavailable    = "unavailable"     // storage or lock bus down
	CodeTimeout        = "timeout"         // the kiosk did not finish in time
	CodeInternal       = "internal"        // anything else
)

// CommandOptions configures Commands.
type CommandOptions struct {
	// Site and Kiosk select the subjects served:
	// locker.<site>.<kiosk>.cmd.> only.
	Site, Kiosk string
	// Backlog gives outbox_backlog in the status reply; nil reports -1.
	Backlog Backlogger
	// MaxPayload refuses larger requests with CodeTooLarge; default 64 KiB.
	MaxPayload int
	// Timeout bounds one command; default 15s.
	Timeout time.Duration
	// DoorWait is how long door.open waits for the door sensor; default 10s.
	DoorWait time.Duration
	// Concurrency is the most commands handled at once; default 4.
	Concurrency int
	// OperatorKeys, when set, are the public nkeys whose signature every
	// privileged command (see Privileged) must carry; an unsigned,
	// expired or replayed one is refused with CodeUnauthorized. Empty:
	// anyone who may publish on the kiosk's command subjects is trusted.
	OperatorKeys []string
	// Nonces remembers the nonces of signed commands; required with
	// OperatorKeys.
	Nonces NonceStore
	// SigMaxAge and SigMaxAhead bound a signature's time against the
	// kiosk's clock; defaults DefaultSigMaxAge and DefaultSigMaxAhead.
	SigMaxAge, SigMaxAhead time.Duration
	// Clock tells the time for signatures; default locker.SystemClock{}.
	Clock locker.Clock
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// Commands serves the kiosk's remote commands over NATS request/reply.
type Commands struct {
	nc   *nats.Conn
	svc  Service
	o    CommandOptions
	subj Subjects
	sig  *verifier // nil without operator keys
}

// NewCommands returns the command handlers of one kiosk.
func NewCommands(nc *nats.Conn, svc Service, o CommandOptions) (*Commands, error) {
	s := Subjects{Site: o.Site, Kiosk: o.Kiosk}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = 64 << 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.DoorWait <= 0 {
		o.DoorWait = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Commands{nc: nc, svc: svc, o: o, subj: s}
	if len(o.OperatorKeys) > 0 {
		if o.Nonces == nil {
			return nil, errors.New("uplink: CommandOptions.Nonces is required with OperatorKeys")
		}
		if o.Clock == nil {
			o.Clock = locker.SystemClock{}
		}
		v := &verifier{keys: map[string]nkeys.KeyPair{}, nonces: o.Nonces, maxAge: o.SigMaxAge, maxAhead: o.SigMaxAhead, now: o.Clock.Now}
		if v.maxAge <= 0 {
			v.maxAge = DefaultSigMaxAge
		}
		if v.maxAhead <= 0 {
			v.maxAhead = DefaultSigMaxAhead
		}
		for _, k := range o.OperatorKeys {
			kp, err := ParseOperatorKey(k)
			if err != nil {
				return nil, err
			}
			v.keys[strings.TrimSpace(k)] = kp
		}
		c.sig = v
	}
	return c, nil
}

// Run subscribes to the kiosk's own command subjects and answers each
// request until ctx ends; then it unsubscribes, waits for the commands in
// progress and returns nil.
func (c *Commands) Run(ctx context.Context) error {
	ch := make(chan *nats.Msg, 64)
	sub, err := c.nc.ChanSubscribe(c.subj.Commands(), ch)
	if err != nil {
		return fmt.Errorf("uplink: subscribe %s: %w", c.subj.Commands(), err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.o.Concurrency)
	defer func() {
		_ = sub.Unsubscribe()
		wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				c.serve(ctx, m)
			}()
		}
	}
}

// serve answers one request.
func (c *Commands) serve(ctx context.Context, m *nats.Msg) {
	name := strings.TrimPrefix(m.Subject, c.subj.Command(""))
	if m.Reply == "" {
		c.o.Logger.Warn("uplink: command without reply subject ignored", "command", name)
		return
	}
	var reply []byte
	if c.sig != nil && Privileged(name) {
		if err := c.sig.verify(ctx, m); err != nil {
			code := CodeUnauthorized
			if !errors.Is(err, ErrUnsigned) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrSigExpired) && !errors.Is(err, ErrReplayed) {
				code = CodeUnavailable
			}
			c.o.Logger.Warn("uplink: command refused: signature", "command", name, "code", code, "err", err)
			reply = encodeReply(map[string]any{"ok": false, "error": map[string]string{"code": code, "message": err.Error()}})
		}
	}
	if reply == nil {
		reply = c.Handle(ctx, name, m.Data)
	}
	if err := m.Respond(reply); err != nil {
		c.o.Logger.Warn("uplink: reply failed", "command", name, "err", err)
	}
}

// Handle runs command name with the JSON request body and returns the JSON
// reply. A refused command changes nothing and gets
// {"ok":false,"error":{"code","message"}}. Handle does not check operator
// signatures: Run does, before it calls Handle.
func (c *Commands) Handle(ctx context.Context, name string, body []byte) []byte {
	res, err := c.handle(ctx, name, body)
	if err != nil {
		code, msg := errorCode(err)
		c.o.Logger.Info("uplink: command refused", "command", name, "code", code, "err", err)
		return encodeReply(map[string]any{"ok": false, "error": map[string]string{"code": code, "message": msg}})
	}
	if res == nil {
		res = map[string]any{}
	}
	res["ok"] = true
	c.o.Logger.Info("uplink: command done", "command", name)
	return encodeReply(res)
}

func encodeReply(v map[string]any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"ok":false,"error":{"code":"internal","message":"uplink: cannot encode reply"}}`)
	}
	return b
}

// cmdError is a refusal with its code, decided by the handler.
type cmdError struct {
	code string
	msg  string
}

func (e *cmdError) Error() string { return "uplink: " + e.msg }

func refuse(code, format string, args ...any) error {
	return &cmdError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errorCode maps an error to its reply code and message.
func errorCode(err error) (code, msg string) {
	var ce *cmdError
	switch {
	case errors.As(err, &ce):
		return ce.code, ce.msg
	case errors.Is(err, locker.ErrNotFound):
		code = CodeNotFound
	case errors.Is(err, locker.ErrInvalid), errors.Is(err, locker.ErrTooLarge):
		code = CodeBadRequest
	case errors.Is(err, locker.ErrDuplicate), errors.Is(err, locker.ErrBadState),
		errors.Is(err, locker.ErrLockerFull), errors.Is(err, locker.ErrExpired):
		code = CodeConflict
	case errors.Is(err, locker.ErrUnauthorized):
		code = CodeUnauthorized
	case errors.Is(err, locker.ErrStoreDown), errors.Is(err, locker.ErrBusUnavailable):
		code = CodeUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = CodeTimeout
	default:
		code = CodeInternal
	}
	return code, err.Error()
}

// decode strictly decodes body into v: one JSON object, no unknown fields,
// nothing after it. An empty body decodes as {}.
func decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return refuse(CodeBadRequest, "request must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return refuse(CodeBadRequest, "bad request: %v", err)
	}
	if dec.More() {
		return refuse(CodeBadRequest, "bad request: data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return refuse(CodeBadRequest, "bad request: data after the JSON object")
	}
	return nil
}

// maxField bounds every string field of a request.
const maxField = 256

// need checks required string fields given as name, value pairs.
func need(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		v := strings.TrimSpace(kv[i+1])
		if v == "" {
			return refuse(CodeBadRequest, "missing field %q", kv[i])
		}
		if len(kv[i+1]) > maxField {
			return refuse(CodeBadRequest, "field %q longer than %d bytes", kv[i], maxField)
		}
	}
	return nil
}

// limit checks optional string fields given as name, value pairs.
func limit(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if len(kv[i+1]) > maxField {
			return refuse(CodeBadRequest, "field %q longer than %d bytes", kv[i], maxField)
		}
	}
	return nil
}

// Requests of the commands (DESIGN.md, "NATS").
type (
	expectReq struct {
		Barcode        string `json:"barcode"`
		Carrier        string `json:"carrier"`
		RecipientID    string `json:"recipient_id"`
		Size           string `json:"size"`
		DimsMM         []int  `json:"dims_mm"`
		Refrigerated   bool   `json:"refrigerated"`
		IdempotencyKey string `json:"idempotency_key"`
	}
	cancelReq struct {
		Barcode string `json:"barcode"`
	}
	doorOpenReq struct {
		Compartment string `json:"compartment"`
		StaffID     string `json:"staff_id"`
		Reason      string `json:"reason"`
	}
	compartmentSetReq struct {
		Compartment string `json:"compartment"`
		Status      string `json:"status"`
		StaffID     string `json:"staff_id"`
		Reason      string `json:"reason"`
	}
	recipientReq struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Unit       string `json:"unit"`
		Accessible bool   `json:"accessible"`
	}
	directoryUpsertReq struct {
		Recipients []recipientReq `json:"recipients"`
	}
	directoryDeleteReq struct {
		IDs []string `json:"ids"`
	}
	courierReq struct {
		ID      string `json:"id"`
		Carrier string `json:"carrier"`
		Name    string `json:"name"`
		Code    string `json:"code"`
	}
	staffReq struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		PIN        string `json:"pin"`         // stored hashed
		TOTPSecret string `json:"totp_secret"` // base32 (RFC 6238), enrolled in the staff member's authenticator
	}
	deleteReq struct {
		ID string `json:"id"`
	}
	pinReissueReq struct {
		ParcelID string `json:"parcel_id"`
		StaffID  string `json:"staff_id"`
	}
	statusReq struct{}
)

// maxItems bounds the lists of directory commands.
const maxItems = 1000

func (c *Commands) handle(ctx context.Context, name string, body []byte) (map[string]any, error) {
	if len(body) > c.o.MaxPayload {
		return nil, refuse(CodeTooLarge, "payload of %d bytes is over the limit of %d", len(body), c.o.MaxPayload)
	}
	timeout := c.o.Timeout
	if name == CmdDoorOpen {
		timeout = c.o.DoorWait
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch name {
	case CmdParcelExpect:
		var r expectReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if err := need("barcode", r.Barcode, "carrier", r.Carrier, "recipient_id", r.RecipientID); err != nil {
			return nil, err
		}
		if err := limit("idempotency_key", r.IdempotencyKey); err != nil {
			return nil, err
		}
		e := locker.Expected{
			Barcode: r.Barcode, Carrier: r.Carrier, RecipientID: r.RecipientID,
			Refrigerated: r.Refrigerated, IdempotencyKey: r.IdempotencyKey,
		}
		if r.Size != "" {
			z, err := locker.ParseSize(r.Size)
			if err != nil {
				return nil, refuse(CodeBadRequest, "bad size %q: want XS, S, M, L or XL", r.Size)
			}
			e.Size = z
		}
		if r.DimsMM != nil {
			if len(r.DimsMM) != 3 {
				return nil, refuse(CodeBadRequest, "dims_mm must be [l, w, h]")
			}
			for i, v := range r.DimsMM {
				if v <= 0 || v > 10000 {
					return nil, refuse(CodeBadRequest, "dims_mm must be positive millimetres up to 10000")
				}
				e.DimsMM[i] = v
			}
		}
		id, err := c.svc.ExpectParcel(ctx, e)
		if err != nil {
			return nil, err
		}
		return map[string]any{"expected_id": id}, nil

	case CmdParcelCancel:
		var r cancelReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if err := need("barcode", r.Barcode); err != nil {
			return nil, err
		}
		return nil, c.svc.CancelExpected(ctx, r.Barcode)

	case CmdDoorOpen:
		var r doorOpenReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if strings.TrimSpace(r.StaffID) == "" {
			return nil, refuse(CodeUnauthorized, "door.open needs a staff_id")
		}
		if err := need("compartment", r.Compartment, "staff_id", r.StaffID, "reason", r.Reason); err != nil {
			return nil, err
		}
		opened, err := c.svc.RemoteOpenDoor(ctx, r.Compartment, r.StaffID, r.Reason)
		if err != nil && !errors.Is(err, locker.ErrDoorNotOpened) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return map[string]any{"opened": opened && err == nil}, nil

	case CmdCompartmentSet:
		var r compartmentSetReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if strings.TrimSpace(r.StaffID) == "" {
			return nil, refuse(CodeUnauthorized, "compartment.set needs a staff_id")
		}
		if err := need("compartment", r.Compartment, "status", r.Status, "staff_id", r.StaffID, "reason", r.Reason); err != nil {
			return nil, err
		}
		st := locker.CompartmentStatus(r.Status)
		if st != locker.StatusAvailable && st != locker.StatusOutOfService {
			return nil, refuse(CodeBadRequest, "status must be %q or %q", locker.StatusAvailable, locker.StatusOutOfService)
		}
		return nil, c.svc.RemoteSetCompartment(ctx, r.Compartment, st, r.StaffID, r.Reason)

	case CmdDirectoryUpsert:
		var r directoryUpsertReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if len(r.Recipients) == 0 {
			return nil, refuse(CodeBadRequest, "missing field \"recipients\"")
		}
		if len(r.Recipients) > maxItems {
			return nil, refuse(CodeBadRequest, "more than %d recipients in one command", maxItems)
		}
		rs := make([]locker.Recipient, len(r.Recipients))
		for i, x := range r.Recipients {
			if err := need("id", x.ID, "name", x.Name); err != nil {
				return nil, refuse(CodeBadRequest, "recipient %d: %s", i, err.(*cmdError).msg)
			}
			if err := limit("unit", x.Unit); err != nil {
				return nil, err
			}
			rs[i] = locker.Recipient{ID: x.ID, Name: x.Name, Unit: x.Unit, Accessible: x.Accessible}
		}
		n, err := c.svc.UpsertRecipients(ctx, rs)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": n}, nil

	case CmdDirectoryDelete:
		var r directoryDeleteReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if len(r.IDs) == 0 {
			return nil, refuse(CodeBadRequest, "missing field \"ids\"")
		}
		if len(r.IDs) > maxItems {
			return nil, refuse(CodeBadRequest, "more than %d ids in one command", maxItems)
		}
		for _, id := range r.IDs {
			if err := need("ids[]", id); err != nil {
				return nil, err
			}
		}
		n, err := c.svc.DeleteRecipients(ctx, r.IDs)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": n}, nil

	case CmdCourierUpsert:
		var r courierReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if err := need("id", r.ID, "carrier", r.Carrier, "name", r.Name, "code", r.Code); err != nil {
			return nil, err
		}
		return nil, c.svc.UpsertCourier(ctx, locker.Courier{ID: r.ID, Carrier: r.Carrier, Name: r.Name}, r.Code)

	case CmdCourierDelete, CmdStaffDelete:
		var r deleteReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if err := need("id", r.ID); err != nil {
			return nil, err
		}
		if name == CmdStaffDelete {
			return nil, c.svc.DeleteStaff(ctx, r.ID)
		}
		return nil, c.svc.DeleteCourier(ctx, r.ID)

	case CmdStaffUpsert:
		var r staffReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if err := need("id", r.ID, "name", r.Name, "pin", r.PIN, "totp_secret", r.TOTPSecret); err != nil {
			return nil, err
		}
		return nil, c.svc.UpsertStaff(ctx, locker.Staff{ID: r.ID, Name: r.Name, TOTPSecret: r.TOTPSecret}, r.PIN)

	case CmdPINReissue:
		var r pinReissueReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		if strings.TrimSpace(r.StaffID) == "" {
			return nil, refuse(CodeUnauthorized, "pin.reissue needs a staff_id")
		}
		if err := need("parcel_id", r.ParcelID, "staff_id", r.StaffID); err != nil {
			return nil, err
		}
		return nil, c.svc.ReissuePIN(ctx, r.ParcelID, r.StaffID)

	case CmdStatus:
		var r statusReq
		if err := decode(body, &r); err != nil {
			return nil, err
		}
		st := c.svc.Status()
		comps := st.Compartments
		if comps == nil {
			comps = []locker.CompartmentReport{}
		}
		return map[string]any{
			"version":        st.Version,
			"board_online":   st.BoardOnline,
			"outbox_backlog": backlog(ctx, c.o.Backlog, c.o.Logger),
			"compartments":   comps,
			"free_by_size":   freeBySize(st),
		}, nil
	}
	return nil, refuse(CodeUnknownCommand, "unknown command %q", name)
}

// backlog asks b for the outbox backlog; -1 when unknown.
func backlog(ctx context.Context, b Backlogger, log *slog.Logger) int {
	if b == nil {
		return -1
	}
	n, err := b.OutboxBacklog(ctx)
	if err != nil {
		log.Warn("uplink: outbox backlog", "err", err)
		return -1
	}
	return n
}

// freeBySize returns the free compartments by size: st.FreeBySize when
// the service filled it, else the available compartments counted.
func freeBySize(st locker.StatusReport) map[locker.Size]int {
	if st.FreeBySize != nil {
		return st.FreeBySize
	}
	m := map[locker.Size]int{}
	for _, c := range st.Compartments {
		if c.Status == locker.StatusAvailable {
			m[c.Size]++
		}
	}
	return m
}
