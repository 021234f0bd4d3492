"""Payments (issue 6): Stripe Checkout links for packages, intro offers and fees; the signed
webhook that fulfils them exactly once; refunds; Stripe Connect onboarding per studio.

- ``checkout``: make a ``Payment`` and its Checkout Session (or a demo link without keys).
- ``events``: one handler for every Stripe event, used by the webhook and the demo page.
- ``fulfil``: mark paid and grant (package, intro offer) or settle (fee), once.
- ``refunds``: give money back and take back the credits not yet used.
- ``fees``: a late-cancel or no-show fee becomes a payment link by text.
- ``connect``: each studio's own Stripe account, and its onboarding link.
"""
