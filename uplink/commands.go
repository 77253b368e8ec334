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
	ExtendParcel(ctx context.Context, parcelID, staffID string, by time.Duration) (locker.Parcel, error)
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
	CmdParcelExtend    = "parcel.extend"
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
	CodeLimit          = "limit_exceeded"  // parcel.extend past the site's max_extension
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
	// handlers is the command table: one entry per command name.
	handlers map[string]handler
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
	c.handlers = c.routes()
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
	case errors.Is(err, locker.ErrExtendLimit):
		code = CodeLimit
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

// handler is one entry of the command table: the function that decodes,
// checks and runs a command, and the time one run may take.
type handler struct {
	run     func(ctx context.Context, body []byte) (map[string]any, error)
	timeout time.Duration
}

// routes returns the command table. Each handler lives in the file of its
// job: parcels (commands_parcels.go), people (commands_people.go) and
// compartments and status (commands_doors.go).
func (c *Commands) routes() map[string]handler {
	return map[string]handler{
		CmdParcelExpect:    {c.parcelExpect, c.o.Timeout},
		CmdParcelCancel:    {c.parcelCancel, c.o.Timeout},
		CmdPINReissue:      {c.pinReissue, c.o.Timeout},
		CmdDoorOpen:        {c.doorOpen, c.o.DoorWait},
		CmdCompartmentSet:  {c.compartmentSet, c.o.Timeout},
		CmdStatus:          {c.status, c.o.Timeout},
		CmdDirectoryUpsert: {c.directoryUpsert, c.o.Timeout},
		CmdDirectoryDelete: {c.directoryDelete, c.o.Timeout},
		CmdCourierUpsert:   {c.courierUpsert, c.o.Timeout},
		CmdCourierDelete:   {c.courierDelete, c.o.Timeout},
		CmdStaffUpsert:     {c.staffUpsert, c.o.Timeout},
		CmdStaffDelete:     {c.staffDelete, c.o.Timeout},
		CmdParcelExtend:    {c.parcelExtend, c.o.Timeout},
		// returns (commands_returns.go)
		CmdReturnExpect: {c.returnExpect, c.o.Timeout},
		CmdReturnCancel: {c.returnCancel, c.o.Timeout},
	}
}

// handle checks the payload size, finds the handler of name in the table
// and runs it within its timeout.
func (c *Commands) handle(ctx context.Context, name string, body []byte) (map[string]any, error) {
	if len(body) > c.o.MaxPayload {
		return nil, refuse(CodeTooLarge, "payload of %d bytes is over the limit of %d", len(body), c.o.MaxPayload)
	}
	h, ok := c.handlers[name]
	if !ok {
		return nil, refuse(CodeUnknownCommand, "unknown command %q", name)
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	return h.run(ctx, body)
}
