package healthv1_test

import (
	"testing"

	"github.com/shockwave-rpc/shockwave/internal/gen/gentest"
)

// The checked-in code is what doc.go's go:generate line makes.
func TestGeneratedCodeIsFresh(t *testing.T) { gentest.CheckFresh(t) }
