#include "core/mime/fetch_adapter.h"

namespace maildex::core::mime {

SectionSpec toSectionSpec(const commands::Section& section) {
    using From = commands::Section::Text;
    using To = SectionSpec::Text;
    SectionSpec spec;
    spec.part = section.part;
    spec.fields = section.fields;
    switch (section.text) {
        case From::Full:
            spec.text = To::Full;
            break;
        case From::Header:
            spec.text = To::Header;
            break;
        case From::HeaderFields:
            spec.text = To::HeaderFields;
            break;
        case From::HeaderFieldsNot:
            spec.text = To::HeaderFieldsNot;
            break;
        case From::Text:
            spec.text = To::Text;
            break;
        case From::Mime:
            spec.text = To::Mime;
            break;
    }
    return spec;
}

}  // namespace maildex::core::mime
