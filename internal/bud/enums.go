package bud

import (
	"fmt"
	"strings"
)

// Category is the USP <797> category of a preparation.
type Category string

// The categories; Immediate is the immediate-use provision.
const (
	CategoryImmediate Category = "immediate"
	Category1         Category = "1"
	Category2         Category = "2"
	Category3         Category = "3"
)

// Method is how sterility was achieved.
type Method string

// The preparation methods; MethodAny appears only in rule rows.
const (
	MethodAseptic  Method = "aseptic"
	MethodTerminal Method = "terminal"
	MethodAny      Method = "any"
)

// Starting says whether the starting components were all sterile.
type Starting string

// The starting-component kinds; StartingAny appears only in rule rows.
const (
	StartingSterile    Starting = "sterile"
	StartingNonsterile Starting = "nonsterile"
	StartingAny        Starting = "any"
)

// Storage is the labelled storage condition of a preparation.
type Storage string

// The storage conditions (controlled room temperature, 2–8 °C, −25 to −10 °C).
const (
	StorageRoom         Storage = "room"
	StorageRefrigerator Storage = "refrigerator"
	StorageFreezer      Storage = "freezer"
)

// Container is the kind of container a component is drawn from.
type Container string

// The container kinds a request may name.
const (
	ContainerSingleDose   Container = "single_dose"
	ContainerMultipleDose Container = "multiple_dose"
	ContainerAmpule       Container = "ampule"
	ContainerBulk         Container = "bulk"
	ContainerBag          Container = "bag"
	ContainerCompounded   Container = "compounded"
)

// LimitKind names what set a candidate limit.
type LimitKind string

// The kinds of limit a BUD can be set by.
const (
	LimitCategory  LimitKind = "category"
	LimitStability LimitKind = "stability"
	LimitComponent LimitKind = "component"
)

var (
	categories = []Category{CategoryImmediate, Category1, Category2, Category3}
	methods    = []Method{MethodAseptic, MethodTerminal}
	startings  = []Starting{StartingSterile, StartingNonsterile}
	storages   = []Storage{StorageRoom, StorageRefrigerator, StorageFreezer}
	containers = []Container{ContainerSingleDose, ContainerMultipleDose, ContainerAmpule,
		ContainerBulk, ContainerBag, ContainerCompounded}
)

// oneOf checks that v is one of allowed, returning an error naming field.
func oneOf[T ~string](field string, v T, allowed []T) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = fmt.Sprintf("%q", string(a))
	}
	if v == "" {
		return errorf(CodeRequired, field, "is required; expected one of "+strings.Join(names, ", "))
	}
	return errorf(CodeInvalid, field, fmt.Sprintf("%q is not allowed; expected one of %s", string(v), strings.Join(names, ", ")))
}

// Valid reports an error naming "category" unless c is a known category.
func (c Category) Valid() error { return oneOf("category", c, categories) }

// Valid reports an error naming "method" unless m is aseptic or terminal.
func (m Method) Valid() error { return oneOf("method", m, methods) }

// Valid reports an error naming "starting_components" unless s is sterile or nonsterile.
func (s Starting) Valid() error { return oneOf("starting_components", s, startings) }

// Valid reports an error naming "storage" unless s is a known storage condition.
func (s Storage) Valid() error { return oneOf("storage", s, storages) }

// Valid reports an error naming "container" unless c is a known container kind.
func (c Container) Valid() error { return oneOf("container", c, containers) }

// describe returns the words a worksheet uses for the storage condition.
func (s Storage) describe() string {
	switch s {
	case StorageRoom:
		return "controlled room temperature"
	case StorageRefrigerator:
		return "refrigerator"
	case StorageFreezer:
		return "freezer"
	}
	return string(s)
}

func (m Method) describe() string {
	switch m {
	case MethodAseptic:
		return "aseptic processing"
	case MethodTerminal:
		return "terminal sterilization"
	}
	return string(m)
}

func (c Container) describe() string {
	return strings.ReplaceAll(string(c), "_", "-")
}
