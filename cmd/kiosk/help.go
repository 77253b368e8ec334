package main

import (
	"github.com/parcelkiosk/locker/config"
	"github.com/parcelkiosk/locker/speech"
	"github.com/parcelkiosk/locker/ui"
)

// helpOptions sets the UI's support contact and, with [screen] speech =
// "espeak-ng", its speaker (run as a kiosk task, so a shutdown kills the
// utterance in progress). Without espeak-ng installed the kiosk runs
// silent and says so in the log.
func (k *kiosk) helpOptions(o *ui.Options) {
	sc := k.cfg.Screen
	o.Support = ui.Support{Contact: sc.SupportContact, URL: sc.SupportURL}
	if sc.Speech != config.SpeechEspeak {
		return
	}
	sp, err := speech.New(speech.Options{Dir: sc.SpeechDir, Logger: k.log})
	if err != nil {
		k.log.Error("spoken guidance off", "err", err)
		return
	}
	o.Speaker = sp
	k.goRun("speech", sp.Run)
}
