-- +goose Up
-- Live updates for the screens: every change of a preparation's status is
-- announced on the NOTIFY channel laminar_preparations, so that every
-- server instance (each LISTENing on its own connection) can push it to its
-- browsers. A trigger, rather than application code, guarantees that no
-- status change is missed whichever code path or instance makes it, and
-- NOTIFY is delivered only when the changing transaction commits.
-- +goose StatementBegin
CREATE FUNCTION laminar_notify_preparation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('laminar_preparations', json_build_object(
        'id', NEW.id,
        'status', NEW.status,
        'old', CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END)::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER preparations_notify_insert AFTER INSERT ON preparations
    FOR EACH ROW EXECUTE FUNCTION laminar_notify_preparation();
CREATE TRIGGER preparations_notify_status AFTER UPDATE OF status ON preparations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION laminar_notify_preparation();

-- +goose Down
DROP TRIGGER preparations_notify_status ON preparations;
DROP TRIGGER preparations_notify_insert ON preparations;
DROP FUNCTION laminar_notify_preparation();
