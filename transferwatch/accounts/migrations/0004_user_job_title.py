from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_title"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="job_title",
            field=models.CharField(
                blank=True, help_text="e.g. Supervisory Immigration Officer", max_length=120
            ),
        ),
    ]
