"""UI-free business rules: ticket catalog and discounts, market items, parking tariffs, orders."""
