/* The library's version at run time, for programs that were compiled against other headers. */
#include "wirekit/wirekit.h"

const char *wk_version(void)
{
	return WK_BUILD_VERSION;
}
