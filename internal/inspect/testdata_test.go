package inspect

// apiBody is a realistic 1.5 KB JSON API request body: an order with a
// customer, an address, line items and free text.
const apiBody = `{
  "order_id": "ord_8f14e45fceea167a5a36dedd4bea2543",
  "created_at": "2024-05-17T09:42:13.512Z",
  "currency": "EUR",
  "customer": {
    "id": "cus_2a8f7c91",
    "email": "jane.doe@example.com",
    "name": {"first": "Jane", "last": "Doe"},
    "phone": "+33 6 12 34 56 78",
    "marketing_opt_in": false,
    "tags": ["vip", "newsletter", "b2c"]
  },
  "shipping_address": {
    "line1": "12 rue de la Paix",
    "line2": "Bâtiment B, 3e étage",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR"
  },
  "items": [
    {"sku": "SKU-10023", "name": "Wireless mouse", "quantity": 2, "unit_price": 24.99, "gift": false},
    {"sku": "SKU-20411", "name": "USB-C hub, 7 ports", "quantity": 1, "unit_price": 49.5, "gift": true,
     "gift_message": "Happy birthday! \u2014 from all of us"},
    {"sku": "SKU-30988", "name": "Laptop stand (aluminium)", "quantity": 1, "unit_price": 39.0, "gift": false},
    {"sku": "SKU-41007", "name": "Screen cleaning kit", "quantity": 3, "unit_price": 7.25, "gift": false}
  ],
  "billing_same_as_shipping": true,
  "delivery": {"window": "2024-05-20/2024-05-22", "instructions": null},
  "discount": {"code": "SPRING24", "percent": 10},
  "payment": {"method": "card", "token": "tok_1NirD82eZvKYlo2CIvbtLWuY", "save": true},
  "notes": "Please leave the parcel with the concierge if I am not at home. Ring twice.",
  "metadata": {"source": "web", "campaign": "spring_sale_2024", "ab_bucket": 3, "referrer": "https://www.example.org/blog/spring"},
  "client": {"app_version": "5.12.1", "platform": "ios", "locale": "fr-FR"}
}`
