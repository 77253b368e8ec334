package ui

import (
	"context"
	"errors"

	"github.com/parcelkiosk/locker"
)

// message is a problem to show: an error, or a message id.
type message struct {
	err error
	id  string
}

// msgText is the sentence of the problem shown, in the current language.
func (u *UI) msgText() string {
	switch {
	case u.msg.err != nil:
		return u.errText(u.msg.err)
	case u.msg.id != "":
		return u.tr.T(u.msg.id)
	}
	return ""
}

// errText is the plain sentence for err on the current screen.
func (u *UI) errText(err error) string {
	if t, ok := u.sayText(err); ok {
		return t
	}
	switch {
	case errors.Is(err, locker.ErrLockedOut):
		return u.tr.T("err.locked_out")
	case errors.Is(err, locker.ErrWrongCode) && u.local == localCourier:
		return u.tr.T("err.courier_unknown")
	case errors.Is(err, locker.ErrWrongCode) && u.local == localStaff:
		return u.tr.T("err.staff_denied")
	case errors.Is(err, locker.ErrWrongCode):
		return u.tr.T("err.wrong_code")
	case errors.Is(err, locker.ErrExpired):
		return u.tr.T("err.expired")
	case errors.Is(err, locker.ErrUnauthorized):
		if u.local == localStaff {
			return u.tr.T("err.staff_denied")
		}
		return u.tr.T("err.unauthorized")
	case errors.Is(err, locker.ErrNotFound):
		switch {
		case u.local == localCourier:
			return u.tr.T("err.courier_unknown")
		case u.local == localStaff:
			return u.tr.T("err.staff_denied")
		case u.view.Flow == locker.FlowIdle:
			return u.tr.T("err.wrong_code")
		}
		return u.tr.T("err.not_found")
	case errors.Is(err, locker.ErrTooLarge):
		return u.tr.T("err.too_large")
	case errors.Is(err, locker.ErrLockerFull):
		return u.tr.T("err.full")
	case errors.Is(err, locker.ErrDuplicate):
		return u.tr.T("err.duplicate")
	case errors.Is(err, locker.ErrInvalid):
		return u.tr.T("err.invalid")
	case errors.Is(err, locker.ErrBadState):
		return u.tr.T("err.bad_state")
	case errors.Is(err, locker.ErrStoreDown):
		return u.tr.T("err.store_down")
	case errors.Is(err, locker.ErrDoorNotOpened):
		return u.tr.T("err.door_not_opened")
	case errors.Is(err, locker.ErrBusUnavailable):
		return u.tr.T("err.bus")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return u.tr.T("err.timeout")
	}
	return u.tr.T("err.generic")
}
