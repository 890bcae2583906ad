-- notifications.list at scale: 1,000,000 notifications, 900,000 of them one
-- admin's (an admin is notified of every alert), 97% read; the table as
-- pactad's schema makes it (migration 2, without the foreign keys).
CREATE TABLE notifications (  id INTEGER PRIMARY KEY AUTOINCREMENT,  username TEXT NOT NULL,  seq INTEGER NOT NULL,  event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 64),  contract_id TEXT,  summary TEXT NOT NULL CHECK (json_valid(summary)),  created_at TEXT NOT NULL,  read_at TEXT,  digest_seq INTEGER,  UNIQUE (username, seq));
CREATE INDEX notifications_unread ON notifications(username, id) WHERE read_at IS NULL;
CREATE INDEX notifications_undigested ON notifications(username, id) WHERE digest_seq IS NULL AND read_at IS NULL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
INSERT INTO notifications (username, seq, event, contract_id, summary, created_at, read_at)
SELECT CASE WHEN i % 10 = 0 THEN 'ana' ELSE 'admin' END, i, 'contract.expiring', 'c' || i, '{"n":"C-' || i || '","t":"title"}', '2026-11-22T00:00:00Z', CASE WHEN i % 100 < 97 THEN '2026-11-22T01:00:00Z' END FROM n;
-- Then the first page of notifications.list, all and unread only, as pactad
-- reads it (server/db_notify.c srv__notifications_list_sql), with
-- `sqlite3 FILE < bench/notifications_1m.sql` run once before and once after
--   CREATE INDEX notifications_user ON notifications(username, id);
-- (migration 13).  bench/RESULTS.md "notifications.list".
.timer on
SELECT count(*) FROM (SELECT id, seq, event, contract_id, summary, created_at, read_at FROM notifications WHERE username = 'admin' AND id < 9223372036854775807 ORDER BY id DESC LIMIT 51);
SELECT count(*) FROM (SELECT id, seq, event, contract_id, summary, created_at, read_at FROM notifications INDEXED BY notifications_unread WHERE username = 'admin' AND read_at IS NULL AND id < 9223372036854775807 ORDER BY id DESC LIMIT 51);
