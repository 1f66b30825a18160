import * as __NAME__ from './__MODULE_FILE__';
