"""The current values' index by month and indicator gets the village as its last column: looking up a
village's values through it is then exact (see `ReportValue.Meta.indexes`)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evillage', '0009_apply_reports_function'),
        ('geo', '0002_area_pieces_trigger'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='reportvalue',
            name='evillage_current_values',
        ),
        migrations.AddIndex(
            model_name='reportvalue',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['period', 'indicator', 'village'], name='evillage_current_values'),
        ),
    ]
