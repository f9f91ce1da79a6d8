"""The one scoping mechanism for tenant data.

Every tenant-owned model inherits ``TenantModel``: it carries its ``territory`` foreign key directly (child rows too),
indexed and leading its unique constraints, so PostgreSQL enforces isolation and a distributed PostgreSQL could shard
by it. Every query of tenant data starts from ``Model.objects.visible_to(membership)``: the territory filter first,
then the model's role rule (``restrict_to``). Views never filter by territory by hand.
"""

from django.db import migrations, models
from django.http import Http404


class TenantQuerySet(models.QuerySet):
    def in_territory(self, territory):
        """Every row of a territory, whoever asks: for tasks, imports and commands that act for the tenant."""
        return self.filter(territory_id=territory.pk)

    def visible_to(self, membership):
        """The rows a member may see: the membership's territory, then the model's rule for the member's role."""
        if membership is None:
            return self.none()
        return self.in_territory(membership.territory).restrict_to(membership)

    def restrict_to(self, membership):
        """Role rule of the model; by default every member of the territory sees every row."""
        return self

    def get_visible_or_404(self, membership, **lookup):
        try:
            return self.visible_to(membership).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404("Aucun objet ne correspond.") from exc


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TenantModel(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="coordination",
        db_index=True,
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    def can_be_seen_by(self, membership):
        return type(self).objects.visible_to(membership).filter(pk=self.pk).exists()


def _is_tenant_model(model):
    return any(f.name == "territory" and f.is_relation for f in model._meta.concrete_fields)


def tenant_foreign_keys(model):
    """(constraint name, column, parent table, parent column) for each FK of a tenant model to a tenant model."""
    if not _is_tenant_model(model):
        return []
    keys = []
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.name == "territory" or not getattr(field, "db_constraint", False):
            continue
        parent = field.related_model
        if not _is_tenant_model(parent):
            continue
        name = f"{model._meta.db_table}_{field.column}_tenant_fk"[-63:]
        keys.append((name, field.column, parent._meta.db_table, field.target_field.column))
    return keys


class EnforceTenantIsolation(migrations.operations.base.Operation):
    """On PostgreSQL, make every FK between tenant tables composite: ``(territory_id, x_id)`` must reference a parent
    row of the *same* territory. The database itself then refuses a child row pointing into another tenant (and a
    distributed PostgreSQL can co-locate the rows by territory). Idempotent: run it after any migration that adds a
    foreign key between tenant models; a test checks that none is missing.
    """

    reversible = True

    def __init__(self, app_label):
        self.app_label = app_label

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.app_label], {})

    def state_forwards(self, app_label, state):
        pass

    def _models(self, state):
        return state.apps.get_app_config(self.app_label).get_models()

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for model in self._models(to_state):
            table = model._meta.db_table
            for name, column, parent_table, parent_column in tenant_foreign_keys(model):
                schema_editor.execute(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{name}') THEN "
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                    f"FOREIGN KEY ({quote('territory_id')}, {quote(column)}) "
                    f"REFERENCES {quote(parent_table)} ({quote('territory_id')}, {quote(parent_column)}) "
                    f"DEFERRABLE INITIALLY DEFERRED; END IF; END $$;"
                )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for model in self._models(from_state):
            for name, *_ in tenant_foreign_keys(model):
                schema_editor.execute(
                    f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} "
                    f"DROP CONSTRAINT IF EXISTS {schema_editor.quote_name(name)}"
                )

    def describe(self):
        return f"Composite (territory, id) foreign keys between the tenant tables of {self.app_label}"
