-- aimap store, schema 3: what an unauthenticated client can do, per
-- capability. `open_caps` lists the capabilities open without credentials
-- (comma-separated, in order: inference,data,admin,metrics), so a diff can
-- tell a capability that opened (a worsening) without parsing bodies. The
-- whole matrix with its evidence stays in the service body.
ALTER TABLE services ADD COLUMN open_caps TEXT NOT NULL DEFAULT '';
