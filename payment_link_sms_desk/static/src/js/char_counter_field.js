/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A text field with a live character counter ("123 / 500"), counted as the server counts:
// in characters, an accented letter counting once however it was typed (NFC).
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { TextField, textField } from "@web/views/fields/text/text_field";
import { useState } from "@odoo/owl";

export function countCharacters(text) {
    return [...(text || "").normalize("NFC")].length;
}

export class CharCounterTextField extends TextField {
    static template = "payment_link_sms_desk.CharCounterTextField";
    static props = {
        ...TextField.props,
        maxLength: { type: Number, optional: true },
    };

    setup() {
        super.setup();
        this.counter = useState({ length: countCharacters(this.props.record.data[this.props.name]) });
    }

    onCounterInput(ev) {
        this.counter.length = countCharacters(ev.target.value);
    }

    get counterText() {
        return _t("%(length)s / %(max)s characters", {
            length: this.counter.length,
            max: this.props.maxLength,
        });
    }

    get isOverLimit() {
        return Boolean(this.props.maxLength) && this.counter.length > this.props.maxLength;
    }
}

export const charCounterTextField = {
    ...textField,
    component: CharCounterTextField,
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...textField.extractProps(fieldInfo, dynamicInfo),
        maxLength: Number(fieldInfo.options.max_length) || 0,
    }),
};

registry.category("fields").add("payment_link_char_counter", charCounterTextField);
