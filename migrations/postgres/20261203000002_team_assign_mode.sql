-- A team may pick its own way of assigning its queue (round-robin or balanced); NULL: the
-- bot's mode.
ALTER TABLE teams ADD COLUMN assign_mode TEXT CHECK (assign_mode IN ('round_robin', 'balanced'));
