"""The app's loyalty screens (campaigns, wallet, Rewards Store, points, activity, transactions, promo codes,
events): selectors read and services write SessionM for the signed-in customer; the API views and the web
wallet pages both call them."""
