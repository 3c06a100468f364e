package compounding

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Preparation returns a preparation with its worksheet and progress, the
// steps' done flags filled in.
func (s *Service) Preparation(ctx context.Context, id int64) (*workflow.Preparation, error) {
	return s.st.Preparation(ctx, id)
}

// Queue lists the preparations to make (queued or in progress), most
// urgent first (see workflow.SortQueue).
func (s *Service) Queue(ctx context.Context) ([]workflow.QueueItem, error) {
	items, err := s.st.Queue(ctx)
	if err != nil {
		return nil, err
	}
	workflow.SortQueue(items)
	return items, nil
}

// Verifications lists completed preparations awaiting a pharmacist, oldest first.
func (s *Service) Verifications(ctx context.Context) ([]workflow.QueueItem, error) {
	return s.st.Verifications(ctx)
}

// Recipes lists recipe versions, newest version of each drug first.
func (s *Service) Recipes(ctx context.Context, f store.RecipeFilter) ([]workflow.Recipe, error) {
	return s.st.Recipes(ctx, f)
}

// Recipe returns one recipe version.
func (s *Service) Recipe(ctx context.Context, id int64) (workflow.Recipe, error) {
	return s.st.Recipe(ctx, id)
}

// Photos lists the photos of a preparation in the order they were taken.
func (s *Service) Photos(ctx context.Context, prepID int64) ([]store.PhotoInfo, error) {
	return s.st.Photos(ctx, prepID)
}

// Photo returns one photo of a preparation.
func (s *Service) Photo(ctx context.Context, prepID, photoID int64) (contentType string, data []byte, err error) {
	return s.st.Photo(ctx, prepID, photoID)
}

// UserName returns a user's display name, "" for nil.
func (s *Service) UserName(ctx context.Context, id *int64) string {
	return s.st.UserName(ctx, id)
}

// Hands is who had a hand in a preparation and who approved it so far.
func (s *Service) Hands(ctx context.Context, prepID int64) (workflow.Hands, error) {
	return s.st.Hands(ctx, prepID)
}

// Approvals lists a preparation's approvals, oldest first.
func (s *Service) Approvals(ctx context.Context, prepID int64) ([]store.Approval, error) {
	return s.st.Approvals(ctx, prepID)
}

// QueueWindow returns one page of the queue, most urgent first, and how
// many preparations match the filter in all.
func (s *Service) QueueWindow(ctx context.Context, f store.QueueFilter) ([]workflow.QueueItem, int, error) {
	return s.st.QueueWindow(ctx, f)
}

// QueueClaimed lists what one technician holds and has not finished.
func (s *Service) QueueClaimed(ctx context.Context, userID int64) ([]workflow.QueueItem, error) {
	return s.st.QueueClaimed(ctx, userID)
}

// QueueAfter lists the newest preparations in some statuses since a time.
func (s *Service) QueueAfter(ctx context.Context, statuses []workflow.Status, since time.Time, limit int) ([]store.QueueRow, error) {
	return s.st.QueueAfter(ctx, statuses, since, limit)
}

// QueueWards lists the wards that have something in the queue.
func (s *Service) QueueWards(ctx context.Context) ([]string, error) {
	return s.st.QueueWards(ctx)
}
