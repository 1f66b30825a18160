# The app's code: the store, the page and the features.
