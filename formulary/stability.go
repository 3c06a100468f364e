package formulary

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Phase is the state of a drug a stability limit applies to.
type Phase string

// The phases.
const (
	PhaseReconstituted Phase = "reconstituted" // in its vial after adding diluent
	PhaseDiluted       Phase = "diluted"       // further diluted in an infusion fluid
)

// Storage is a storage condition of USP <797>.
type Storage string

// The storage conditions; StorageAny is a limit the source gives without one.
const (
	StorageAny          Storage = ""
	StorageRoom         Storage = "room"         // controlled room temperature, 20-25 °C
	StorageRefrigerator Storage = "refrigerator" // 2-8 °C
	StorageFreezer      Storage = "freezer"      // -25 to -10 °C
)

// StabilityEntry is how long a drug keeps in one diluent, presentation and
// storage condition, from a cited source.
type StabilityEntry struct {
	ID   int64
	Drug Drug
	// Presentation is the container the source speaks of ("1 g single-dose vial").
	Presentation string
	Diluent      string
	Phase        Phase
	Storage      Storage
	// LimitHours is nil when the source gives no usable hold time; Note
	// then says what it does say ("do not refrigerate: a precipitate forms").
	LimitHours *decimal.Decimal
	Note       string
	SourceURL  string
}

// Validate checks the entry.
func (s StabilityEntry) Validate() error {
	if strings.TrimSpace(s.Drug.Name) == "" && s.Drug.ID == 0 {
		return apperr.InvalidField("drug", "the drug is required")
	}
	switch s.Phase {
	case PhaseReconstituted, PhaseDiluted:
	default:
		return apperr.InvalidField("phase", "%q: expected reconstituted or diluted", s.Phase)
	}
	switch s.Storage {
	case StorageAny, StorageRoom, StorageRefrigerator, StorageFreezer:
	default:
		return apperr.InvalidField("storage", "%q: expected room, refrigerator or freezer", s.Storage)
	}
	if s.LimitHours != nil && s.LimitHours.Sign() < 0 {
		return apperr.InvalidField("limit_hours", "must not be negative")
	}
	if s.LimitHours == nil && strings.TrimSpace(s.Note) == "" {
		return apperr.InvalidField("note", "an entry without a limit must say what the source states")
	}
	return nil
}
