"""Template helpers about members of a coordination, and the DSFR table wrapper every page uses."""

from django import template
from django.conf import settings
from django.template.base import token_kwargs
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.roles import organisation_link

register = template.Library()


@register.filter
def organisation_of(membership):
    """The organisation a member belongs to (facilitator structure, buyer, company), or None.

    Costs no query when the membership was fetched with the reverse one-to-one relations selected (see
    ``MemberListView``).
    """
    link = organisation_link(membership.role)
    if link is None:
        return None
    return link.organisation_of(membership)


@register.simple_tag
def invitation_validity_days():
    """How many days an invitation link stays valid."""
    return settings.INVITATION_VALIDITY_DAYS


class DsfrTableNode(template.Node):
    def __init__(self, nodelist, extra_classes, attrs):
        self.nodelist, self.extra_classes, self.attrs = nodelist, extra_classes, attrs

    def render(self, context):
        classes = " ".join(["fr-table", "fr-table--bordered", *(str(c.resolve(context)) for c in self.extra_classes)])
        attrs = format_html_join("", ' {}="{}"', ((name, value.resolve(context)) for name, value in self.attrs.items()))
        opening = format_html(
            '<div class="{}"{}><div class="fr-table__wrapper"><div class="fr-table__container">'
            '<div class="fr-table__content">',
            classes,
            attrs,
        )
        return opening + self.nodelist.render(context) + mark_safe("</div></div></div></div>")


@register.tag
def dsfr_table(parser, token):
    """The (bordered) DSFR table wrappers around a table: ``{% dsfr_table %}<table>…</table>{% enddsfr_table %}``.

    Extra classes of the outer ``div`` as arguments, then its other attributes as keywords:
    ``{% dsfr_table "fr-table--multiline" id="labour-share-table" %}``.
    """
    bits = token.split_contents()[1:]
    classes = []
    while bits and "=" not in bits[0]:
        classes.append(parser.compile_filter(bits.pop(0)))
    attrs = token_kwargs(bits, parser)
    if bits:
        raise template.TemplateSyntaxError(f"dsfr_table: unexpected {bits[0]!r} (classes first, then name=value).")
    nodelist = parser.parse(("enddsfr_table",))
    parser.delete_first_token()
    return DsfrTableNode(nodelist, classes, attrs)
