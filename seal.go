package locker

// Sealer seals pickup credentials to the operator's notification service,
// so that neither the outbox nor the uplink stream holds them in clear
// (uplink.NotifySealer implements it with nkeys curve keys).
type Sealer interface {
	// Seal seals each of plain with one fresh sender key and returns the
	// sealed texts in order, the sender's public key and the recipient's.
	Seal(plain ...string) (sealed []string, from, to string, err error)
}

// sealCredential replaces the pin and qr of a credential event's data with
// their sealed texts and adds sealed_from and sealed_to. When sealing
// fails the credential is left out, never sent in clear: the recipient
// gets it by pin.reissue.
func (s *Service) sealCredential(data map[string]any) {
	if s.o.Sealer == nil {
		return
	}
	pin, _ := data["pin"].(string)
	qr, _ := data["qr"].(string)
	sealed, from, to, err := s.o.Sealer.Seal(pin, qr)
	if err != nil || len(sealed) != 2 {
		s.log.Error("credential not sealed: left out of the event", "err", err)
		delete(data, "pin")
		delete(data, "qr")
		data["sealed_error"] = true
		return
	}
	data["pin"], data["qr"] = sealed[0], sealed[1]
	data["sealed_from"], data["sealed_to"] = from, to
}
