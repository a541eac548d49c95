-- GET /organisations/{id}: the statement the service runs (its row with the
-- parent embedded).
SELECT "organisations"."id", "organisations"."code", "organisations"."name", "organisations"."kind", "organisations"."parent_id", "organisations"."created_at", "organisations"."updated_at", "organisations"."version", "organisations"."archived_at", json_build_object('parent', (SELECT json_build_object('id', r.id, 'code', r.code, 'name', r.name) FROM organisations r WHERE r.id = organisations.parent_id)) FROM "organisations" WHERE ("organisations"."id" = :org) LIMIT 1;
