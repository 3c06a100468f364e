package bud

import (
	"testing"
	"time"
)

func BenchmarkCompute(b *testing.B) {
	rules := DefaultRules()
	req := cat2(
		Component{Name: "cefazolin 1 g vial lot A123", ExpiresAt: farExpiry, Container: ContainerSingleDose, OpenedAt: tp(start.Add(-10 * time.Minute))},
		Component{Name: "sterile water 10 mL", ExpiresAt: farExpiry, Container: ContainerSingleDose},
		Component{Name: "NS 100 mL bag", ExpiresAt: start.Add(200 * day), Container: ContainerBag},
	)
	req.StabilityLimit = dur(72 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(rules, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRequest(b *testing.B) {
	data := []byte(contractExample)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeRequest(data, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}
