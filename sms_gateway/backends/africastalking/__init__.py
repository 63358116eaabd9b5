"""Africa's Talking (https://africastalking.com): the provider of the chiefs' SMS in production."""
