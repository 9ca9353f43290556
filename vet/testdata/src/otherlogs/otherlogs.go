// Package otherlogs adopted conflog but still logs through zap, zerolog and
// logrus: their records bypass the public/private categories (CL005).
package otherlogs

import (
	"os"

	"github.com/conflog/conflog"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func logs(prompt string, zl *zerolog.Logger) {
	z := zap.NewExample()
	z.Info("start")                                 // want `CL005 zap.Logger.Info writes output that bypasses`
	z.With(zap.String("p", prompt)).Error("failed") // want `CL005 zap.Logger.Error`
	z.Sugar().Infow("step", "prompt", prompt)       // want `CL005 zap.SugaredLogger.Infow`
	z.Sugar().Warn("slow")                          // want `CL005 zap.SugaredLogger.Warn`
	zl.Info().Str("prompt", prompt).Msg("start")    // want `CL005 zerolog.Event.Msg`
	zlog.Info().Send()                              // want `CL005 zerolog.Event.Send`
	zlog.Printf("p=%s", prompt)                     // want `CL005 zerolog/log.Printf`
	logrus.Info("start")                            // want `CL005 logrus.Info`
	logrus.WithField("p", prompt).Warn("slow")      // want `CL005 logrus.Entry.Warn`
	logrus.New().Errorln("failed")                  // want `CL005 logrus.Logger.Errorln`

	// Clean: configuring a logger is not output; conflog's logger is the way.
	z.Sync()
	logrus.New().SetLevel(1)
	logger.Info("start", conflog.Public)
}
