# Feature index __INDEX__ in feature_list.json: __COMMENT__
__IMPORTS__
FEATURE = {
    "slug": __SLUG__,
    "title": __TITLE__,
    "description": __DESCRIPTION__,
    "input_label": __INPUT_LABEL__,
    "button_label": __BUTTON_LABEL__,
    "needs_input": __NEEDS_INPUT__,
}

__RUN__