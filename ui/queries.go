package ui

import (
	"fyne.io/fyne/v2"
)

// runSearch asks the directory for the people matching q (nobody before
// locker.MinSearchRunes characters, at most one page). It is a query, not
// an action: it may run while another call is busy.
func (u *UI) runSearch(q string) {
	u.query = q
	ctx := u.callCtx()
	u.async(func() {
		res, err := u.svc.SearchRecipients(ctx, q)
		fyne.Do(func() {
			if u.query != q {
				return // the person typed on; a newer search is coming
			}
			if err != nil {
				u.msg = message{err: err}
			} else {
				u.search = res
			}
			u.refresh()
		})
	})
}

// loadAudit fetches one page of the audit log; page -1 is the last page
// (the newest entries), where the viewer opens.
func (u *UI) loadAudit(page int) {
	ctx := u.callCtx()
	u.async(func() {
		res, err := u.svc.AuditPage(ctx, max(page, 0))
		if page < 0 && err == nil && res.PageSize > 0 && res.Total > res.PageSize {
			res, err = u.svc.AuditPage(ctx, (res.Total-1)/res.PageSize)
		}
		fyne.Do(func() {
			if err != nil {
				u.msg = message{err: err}
			} else {
				u.audit = res
			}
			u.refresh()
		})
	})
}

// loadDiag fetches the diagnostics report.
func (u *UI) loadDiag() {
	if u.o.Diag == nil {
		return
	}
	ctx := u.callCtx()
	u.async(func() {
		res, err := u.o.Diag.Diagnostics(ctx)
		fyne.Do(func() {
			if err != nil {
				u.msg = message{err: err}
			} else {
				u.diag = &res
			}
			u.refresh()
		})
	})
}
