// Flag parsing of doctor, apart from what it does.
package doctor_test

import (
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/doctor"
)

func TestDoctorFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, doctor.NewCmdDoctor, []cmdtest.FlagCase[doctor.DoctorOptions]{
		{Args: "-o json", Check: func(o *doctor.DoctorOptions) bool { return o.Output.Format == "json" }},
		{Args: "", Check: func(o *doctor.DoctorOptions) bool { return o.Output.Format == "" }},
		{Args: "extra", Err: "unknown command"},
	})
}
