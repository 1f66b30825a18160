// Every feature module of the app, in the order of feature_list.json.
// The build agent rewrites this file as it adds features.
__IMPORTS__
export const features = [__FEATURES__];
