"""Keep `geo_areapiece` in step with `geo_area.geom`: a database trigger, so no write path can forget it."""

from __future__ import annotations

from django.db import migrations

# 128 vertices a piece: small enough for fast point tests, large enough to keep the table short.
CREATE = """
CREATE FUNCTION geo_area_subdivide() RETURNS trigger AS $$
BEGIN
    DELETE FROM geo_areapiece WHERE area_id = NEW.id;
    INSERT INTO geo_areapiece (area_id, geom)
    SELECT NEW.id, piece
    FROM ST_Subdivide(NEW.geom, 128) AS piece
    WHERE GeometryType(piece) = 'POLYGON';
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER geo_area_subdivide_insert AFTER INSERT ON geo_area
    FOR EACH ROW EXECUTE FUNCTION geo_area_subdivide();
CREATE TRIGGER geo_area_subdivide_update AFTER UPDATE OF geom ON geo_area
    FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom) EXECUTE FUNCTION geo_area_subdivide();
"""

DROP = """
DROP TRIGGER IF EXISTS geo_area_subdivide_update ON geo_area;
DROP TRIGGER IF EXISTS geo_area_subdivide_insert ON geo_area;
DROP FUNCTION IF EXISTS geo_area_subdivide();
"""


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
