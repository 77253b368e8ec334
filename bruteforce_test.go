package locker

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// An attack plays one attacker at the keypad against one path: given the
// time of the last try, whether that try was weighed (not refused as
// locked) and when the path opens again if it is closed, next returns the
// time of the next try.
type attack struct {
	name string
	next func(now time.Time, closed bool, until time.Time) time.Time
}

// tryGap is how long typing one code takes the attacker.
const tryGap = 3 * time.Second

// attacks are the strategies the figure plays; the best one counts.
func attacks(p Policy) []attack {
	steady := func(gap time.Duration) attack {
		return attack{fmt.Sprintf("steady trickle, one code every %v", gap.Round(time.Second)), func(now time.Time, closed bool, until time.Time) time.Time {
			if closed {
				return until.Add(gap)
			}
			return now.Add(gap)
		}}
	}
	underBurst := 0
	return []attack{
		{"greedy: a code whenever the path is open", func(now time.Time, closed bool, until time.Time) time.Time {
			if closed {
				return until
			}
			return now.Add(tryGap)
		}},
		steady(p.Window / time.Duration(p.Burst-1)), // the old attack: never trips the burst lockout
		steady(time.Hour),
		steady(24 * time.Hour / time.Duration(max(p.Daily, 1)+1)),
		{"just under the burst, then wait the window", func(now time.Time, closed bool, until time.Time) time.Time {
			underBurst++
			if closed {
				underBurst = 0
				return until
			}
			if underBurst%(p.Burst-1) == 0 {
				return now.Add(p.Window)
			}
			return now.Add(tryGap)
		}},
		{"escalate, then wait for the doubling to start over", func(now time.Time, closed bool, until time.Time) time.Time {
			if closed {
				return until.Add(p.Reset + time.Second)
			}
			return now.Add(tryGap)
		}},
	}
}

// guesses plays a against path k of a kiosk with no parcel inside (every
// code is wrong) for span and returns the codes the kiosk weighed in the
// first day and in all of span. With restart, the kiosk restarts after
// every refusal (a power cut), its state coming back from the store.
func guesses(t *testing.T, k CodeKind, a attack, span time.Duration, restart bool) (day, all int) {
	r := newRig(t, testBank())
	start := r.clk.Now()
	weighed := func() int { return auditCount(r, "code.wrong", string(k)) }
	at := start
	for i := 0; ; i++ {
		if d := at.Sub(r.clk.Now()); d > 0 {
			r.clk.Advance(d)
		}
		now := r.clk.Now()
		if now.Sub(start) >= span {
			break
		}
		before := weighed()
		switch k {
		case KindPIN:
			_ = r.s.PickupWithPIN(r.ctx, fmt.Sprintf("%08d", i))
		case KindCourier:
			_ = r.s.CourierSignIn(r.ctx, fmt.Sprintf("%06d", i))
		case KindStaff:
			_ = r.s.StaffSignIn(r.ctx, fmt.Sprintf("%06d", i), fmt.Sprintf("%06d", i))
		case KindTOTP: // the attacker knows a staff PIN
			code := fmt.Sprintf("%06d", i%1_000_000)
			if _, ok := checkTOTP(testTOTPSecret, code, now); ok {
				code = fmt.Sprintf("%06d", (i+1)%1_000_000) // a hit would end the game, not count a try
			}
			_ = r.s.StaffSignIn(r.ctx, testStaffPIN, code)
		}
		w := weighed() - before
		if w > 0 && now.Sub(start) < 24*time.Hour {
			day += w
		}
		all += w
		r.s.mu.Lock()
		until, closed := r.s.lockout.Until(r.s.policy[k], k, now)
		if k == KindTOTP { // the staff counter's burst lockout applies too
			u2, c2 := r.s.lockout.Until(r.s.policy[KindStaff], KindStaff, now)
			if c2 && u2.After(until) {
				until, closed = u2, true
			}
		}
		r.s.mu.Unlock()
		if closed && restart {
			r.restart(testBank())
		}
		at = a.next(now, closed, until)
		if !at.After(now) {
			at = now.Add(time.Second)
		}
	}
	return day, all
}

// chance is the chance that g different guesses from m codes hit one of n
// valid ones.
func chance(g int, n, m float64) float64 {
	miss := 1.0
	for i := range g {
		miss *= 1 - n/(m-float64(i))
	}
	return 1 - miss
}

// Figure assumptions beyond the policy: couriers and staff provisioned on
// the kiosk, courier codes as short as provisioning allows (6 digits), and
// staff PINs of 6 digits, each needing the TOTP code too (3 of 10^6 codes
// accepted at a time). The staff path counts the attacker who knows no
// PIN; the one who saw a PIN is reported on its own.
const (
	simCouriers = 20
	simStaff    = 10
)

func pct(p float64) string {
	switch {
	case p < 0.00001:
		return "< 0.001 %"
	case p < 0.001:
		return fmt.Sprintf("%.4f %%", 100*p)
	}
	return fmt.Sprintf("%.2f %%", 100*p)
}

// TestBruteForceFigure plays the attacker strategies against the real
// policy code (a Service on fakes, driven by an injected clock) and
// reports the chance of opening any door per day and per week with 100 and
// 500 parcels inside: the README's table. It fails if the chance with 500
// parcels and the default PIN length reaches 1 % a week.
func TestBruteForceFigure(t *testing.T) {
	pol := DefaultPolicies()
	week := 7 * 24 * time.Hour
	best := map[CodeKind][2]int{}
	var rows []string
	for _, k := range []CodeKind{KindPIN, KindCourier, KindStaff, KindTOTP} {
		ap := pol[k]
		if k == KindTOTP { // the staff counter's burst lockout paces these
			ap = pol[KindStaff]
			ap.Daily = pol[KindTOTP].Daily
		}
		for _, a := range attacks(ap) {
			day, all := guesses(t, k, a, week, false)
			rows = append(rows, fmt.Sprintf("| %s | %s | %d | %d |", k, a.name, day, all))
			b := best[k]
			best[k] = [2]int{max(b[0], day), max(b[1], all)}
		}
		// Power cuts change nothing: the state is in the store.
		greedy := attacks(ap)[0]
		day, all := guesses(t, k, attack{"greedy, restarting the kiosk at each lockout", greedy.next}, week, true)
		rows = append(rows, fmt.Sprintf("| %s | greedy, restarting the kiosk at every refusal | %d | %d |", k, day, all))
		if all > best[k][1] {
			t.Errorf("%s: restarting the kiosk gave %d codes a week against %d without", k, all, best[k][1])
		}
		if pol[k].Daily > 0 && (best[k][0] > pol[k].Daily || best[k][1] > 7*pol[k].Daily) {
			t.Errorf("%s: best attack weighed %d codes a day, %d a week: the daily budget is %d", k, best[k][0], best[k][1], pol[k].Daily)
		}
	}
	t.Logf("codes weighed by the kiosk (no parcel inside, every code wrong):\n| path | strategy | first day | week |\n|---|---|---|---|\n%s", strings.Join(rows, "\n"))

	// Mixed paths: the counters are separate, so the attacker runs the best
	// strategy on every path at once and the chances add up.
	// A staff PIN the attacker saw: only the TOTP code is left to guess.
	known := [2]float64{chance(best[KindTOTP][0], 3, 1e6), chance(best[KindTOTP][1], 3, 1e6)}
	t.Logf("with a staff PIN known to the attacker (TOTP codes guessed: %d a day, %d a week): %s a day, %s a week",
		best[KindTOTP][0], best[KindTOTP][1], pct(known[0]), pct(known[1]))
	if known[1] >= 0.01 {
		t.Errorf("with a known staff PIN the chance is %s a week, want under 1 %%", pct(known[1]))
	}
	var table []string
	for _, digits := range []int{DefaultPINDigits, 6} {
		for _, parcels := range []int{100, 500} {
			var ps [2]float64 // day, week
			for i := range 2 {
				miss := 1 - chance(best[KindPIN][i], float64(parcels), math.Pow10(digits))
				miss *= 1 - chance(best[KindCourier][i], simCouriers, 1e6)
				miss *= math.Pow(1-simStaff/1e6*3/1e6, float64(best[KindStaff][i]))
				ps[i] = 1 - miss
			}
			table = append(table, fmt.Sprintf("| %d | %d | %d / %d | %s | %s |", digits, parcels,
				best[KindPIN][0], best[KindPIN][1], pct(ps[0]), pct(ps[1])))
			if digits == DefaultPINDigits && parcels == 500 && ps[1] >= 0.01 {
				t.Errorf("chance of opening a door in a week with 500 parcels inside = %s, want under 1 %%", pct(ps[1]))
			}
		}
	}
	t.Logf("chance of opening any door (best strategy on every path at once; %d couriers with 6-digit codes, %d staff with PIN+TOTP):\n| PIN digits | parcels inside | wrong PINs weighed, day / week | per day | per week |\n|---|---|---|---|---|\n%s",
		simCouriers, simStaff, strings.Join(table, "\n"))
}
