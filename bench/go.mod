module github.com/shockwave-rpc/shockwave/bench

go 1.26.0

replace github.com/shockwave-rpc/shockwave => ../

require github.com/shockwave-rpc/shockwave v0.0.0

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
