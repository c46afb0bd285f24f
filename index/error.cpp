#include "index/error.h"

#include <cstring>

namespace maildex::index {

void throwIo(const std::string& what, const std::string& path, int err) {
    throw Error(ErrorKind::Io, what + " " + path + ": " + std::strerror(err));
}

}  // namespace maildex::index
