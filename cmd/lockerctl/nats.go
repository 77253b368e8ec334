package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/parcelkiosk/locker/uplink"
)

// natsFlags are the connection flags shared by events and cmd.
type natsFlags struct {
	url, creds, user, password, ca string
}

func (f *natsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "nats", "", "NATS server URL (comma-separated for a cluster), required")
	fs.StringVar(&f.creds, "creds", "", "NATS .creds file (user JWT + NKey seed)")
	fs.StringVar(&f.user, "user", "", "user name (static server config)")
	fs.StringVar(&f.password, "password", "", "password for --user")
	fs.StringVar(&f.ca, "ca", "", "PEM file of the CA that signed the server's certificate (turns TLS on)")
}

func (f *natsFlags) connect(ctx context.Context) (*nats.Conn, error) {
	if f.url == "" {
		return nil, fmt.Errorf("lockerctl: --nats is required: %w", errUsage)
	}
	return uplink.Connect(ctx, f.url, uplink.ConnectOptions{
		Name: "lockerctl", CredsFile: f.creds, User: f.user, Password: f.password, CAFile: f.ca,
		FailFast: true, KeepReconnectBuffer: true,
	})
}

// runEvents tails kiosk events: one JSON envelope per line.
func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nf natsFlags
	nf.register(fs)
	site := fs.String("site", "*", "only this site")
	kiosk := fs.String("kiosk", "*", "only this kiosk")
	typ := fs.String("type", ">", "only this event type, e.g. parcel.deposited")
	all := fs.Bool("all", false, "start at the oldest event in the stream instead of new ones")
	core := fs.Bool("core", false, "core NATS subscription instead of a JetStream ordered consumer (live events only)")
	count := fs.Int("count", 0, "stop after this many events (0: until interrupted)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lockerctl events --nats URL [--creds F] [--site S] [--kiosk K] [--type T] [--all] [--core] [--count N]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("lockerctl: events: %w", errUsage)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("lockerctl: events takes no arguments: %w", errUsage)
	}
	filter := "locker." + *site + "." + *kiosk + ".evt." + *typ
	nc, err := nf.connect(ctx)
	if err != nil {
		return err
	}
	defer nc.Close()

	seen := 0
	emit := func(data []byte) bool {
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			buf.Reset()
			buf.Write(bytes.TrimSpace(data))
		}
		buf.WriteByte('\n')
		_, _ = stdout.Write(buf.Bytes())
		seen++
		return *count > 0 && seen >= *count
	}

	if *core {
		ch := make(chan *nats.Msg, 256)
		sub, err := nc.ChanSubscribe(filter, ch)
		if err != nil {
			return fmt.Errorf("lockerctl: subscribe %s: %w", filter, err)
		}
		defer sub.Unsubscribe()
		if err := nc.Flush(); err != nil {
			return fmt.Errorf("lockerctl: subscribe %s: %w", filter, err)
		}
		for {
			select {
			case <-ctx.Done():
				return nil
			case m := <-ch:
				if emit(m.Data) {
					return nil
				}
			}
		}
	}

	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("lockerctl: jetstream: %w", err)
	}
	policy := jetstream.DeliverNewPolicy
	if *all {
		policy = jetstream.DeliverAllPolicy
	}
	cons, err := js.OrderedConsumer(ctx, uplink.StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{filter},
		DeliverPolicy:  policy,
	})
	if err != nil {
		return fmt.Errorf("lockerctl: consumer on %s: %w", uplink.StreamName, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("lockerctl: consume %s: %w", uplink.StreamName, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("lockerctl: events: %w", err)
		}
		if emit(m.Data()) {
			return nil
		}
	}
}

// runCmd sends one command to a kiosk and prints the reply. It fails (exit
// status 1) when the reply says ok=false.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nf natsFlags
	nf.register(fs)
	site := fs.String("site", "", "the kiosk's site, required")
	kiosk := fs.String("kiosk", "", "the kiosk's id, required")
	timeout := fs.Duration("timeout", 20*time.Second, "how long to wait for the reply (door.open waits up to ~10s for the sensor)")
	signKey := fs.String("sign-key", "", "sign the command with the operator nkey seed in this file (kiosks with [uplink] operator_keys)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lockerctl cmd --nats URL [--creds F] [--sign-key SEEDFILE] --site S --kiosk K NAME ['JSON']")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("lockerctl: cmd: %w", errUsage)
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return fmt.Errorf("lockerctl: cmd needs NAME and optional JSON: %w", errUsage)
	}
	subj := uplink.Subjects{Site: *site, Kiosk: *kiosk}
	if err := subj.Validate(); err != nil {
		return fmt.Errorf("lockerctl: cmd: --site and --kiosk: %w", err)
	}
	name := fs.Arg(0)
	body := []byte("{}")
	if fs.NArg() == 2 {
		body = []byte(fs.Arg(1))
	}
	req := nats.NewMsg(subj.Command(name))
	req.Data = body
	if *signKey != "" {
		kp, err := readSeed(*signKey)
		if err != nil {
			return err
		}
		err = uplink.SignCommand(req, kp, time.Now())
		kp.Wipe()
		if err != nil {
			return fmt.Errorf("lockerctl: cmd: %w", err)
		}
	}
	nc, err := nf.connect(ctx)
	if err != nil {
		return err
	}
	defer nc.Close()
	rctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	m, err := nc.RequestMsgWithContext(rctx, req)
	if err != nil {
		return fmt.Errorf("lockerctl: cmd %s to %s/%s: %w", name, *site, *kiosk, err)
	}
	fmt.Fprintln(stdout, string(bytes.TrimSpace(m.Data)))
	var rep struct {
		OK    bool `json:"ok"`
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return fmt.Errorf("lockerctl: cmd %s: reply is not JSON: %w", name, err)
	}
	if !rep.OK {
		if rep.Error != nil {
			return fmt.Errorf("lockerctl: cmd %s refused: %s: %s", name, rep.Error.Code, rep.Error.Message)
		}
		return fmt.Errorf("lockerctl: cmd %s refused", name)
	}
	return nil
}

// readSeed reads an nkey seed file (the seed alone, as `nk -gen user`
// writes it, or a decorated .creds-style file) for signing.
func readSeed(path string) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lockerctl: --sign-key: %w", err)
	}
	kp, err := nkeys.ParseDecoratedNKey(b)
	if err != nil {
		return nil, fmt.Errorf("lockerctl: --sign-key %s: want an operator, account or user nkey seed (SO..., SA..., SU...): %w", path, err)
	}
	return kp, nil
}
