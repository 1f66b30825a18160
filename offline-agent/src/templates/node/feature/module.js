// Feature index __INDEX__ in feature_list.json: __COMMENT__
__IMPORTS__
export const feature = {
  slug: __SLUG__,
  title: __TITLE__,
  description: __DESCRIPTION__,
  inputLabel: __INPUT_LABEL__,
  buttonLabel: __BUTTON_LABEL__,
  needsInput: __NEEDS_INPUT__,
};

__RUN__