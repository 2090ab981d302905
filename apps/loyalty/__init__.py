"""The app's loyalty screens (campaigns, wallet, Rewards Store, points, activity, member code, promo codes,
events): selectors read and services write SessionM for the signed-in customer; the API views and the web
wallet pages both call them. Also the tills' signed purchase intake (/integrations/pos/), the only way a
purchase reaches SessionM."""
