// common/ is header-mostly; this file keeps the folder a real part of shotchain::core.
#include "common/error.h"
