-- 0007 optimistic concurrency of plan versions (issue 12 item 4). revision
-- counts the saves of a draft (1 when made, +1 by every edit); a clinician's
-- edit or signature names the revision the form showed, and the store's
-- UPDATE ... WHERE revision = that one refuses it (409, naming who changed
-- it) when another clinician saved meanwhile. updated_by_name names the last
-- editor in that message. Signed rows are never updated (0002's triggers);
-- adding columns with a constant default rewrites no row, so fires no trigger.
ALTER TABLE plan_versions ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE plan_versions ADD COLUMN updated_by_name TEXT NOT NULL DEFAULT '';
