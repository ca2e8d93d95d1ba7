// Every public header, through the umbrella, compiles as C++17 and links against the
// shared library: extern "C" guards, no C-only constructs in inline functions.
#include <cstdio>
#include <cstring>

#include "wirekit/wirekit.h"

int main()
{
	struct wk_error e;
	wk_seterr(&e, WK_EINVAL, "from %s", "C++");
	struct wk_relay_opts o;
	wk_relay_opts_init(&o);
	bool ok = std::strcmp(wk_version(), WIREKIT_VERSION) == 0 && e.code == WK_EINVAL &&
	          wk_proto_find("ip") != nullptr && o.out_fd == 1;
	std::printf("%s %s\n", wk_version(), ok ? "ok" : "MISMATCH");
	return ok ? 0 : 1;
}
