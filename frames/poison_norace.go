//go:build !race

package frames

// poisonViews: see poison_race.go.
const poisonViews = false
