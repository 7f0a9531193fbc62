/// The fixed words printed on receipts and tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels {
    pub order: &'static str,
    pub total: &'static str,
    pub tip: &'static str,
    pub paid_with: &'static str,
    pub reference: &'static str,
    pub kiosk: &'static str,
    pub ticket_heading: &'static str,
    /// Before the payment's time on a first print that comes late (the printer was away, the kiosk was off).
    pub late: &'static str,
    /// The tax table's columns: the amount before tax, and with it.
    pub net: &'static str,
    pub gross: &'static str,
    /// The refund slip: its heading, the original sale, and the three reasons.
    pub refund_heading: &'static str,
    pub original_sale: &'static str,
    pub refunded: &'static str,
    pub reason: &'static str,
    pub requested_by_customer: &'static str,
    pub duplicate: &'static str,
    pub fraudulent: &'static str,
}

const EN: Labels = Labels {
    order: "Order",
    total: "Total",
    tip: "Tip",
    paid_with: "Paid with WooshPay",
    reference: "Ref",
    kiosk: "Kiosk",
    ticket_heading: "Kitchen",
    late: "LATE - paid",
    net: "Net",
    gross: "Gross",
    refund_heading: "REFUND",
    original_sale: "Original sale",
    refunded: "Refunded",
    reason: "Reason",
    requested_by_customer: "Requested by customer",
    duplicate: "Duplicate payment",
    fraudulent: "Fraudulent",
};

const DE: Labels = Labels {
    order: "Bestellung",
    total: "Summe",
    tip: "Trinkgeld",
    paid_with: "Bezahlt mit WooshPay",
    reference: "Referenz",
    kiosk: "Kiosk",
    ticket_heading: "Küche",
    late: "VERSPÄTET - bezahlt",
    net: "Netto",
    gross: "Brutto",
    refund_heading: "ERSTATTUNG",
    original_sale: "Ursprünglicher Kauf",
    refunded: "Erstattet",
    reason: "Grund",
    requested_by_customer: "Auf Kundenwunsch",
    duplicate: "Doppelt bezahlt",
    fraudulent: "Betrug",
};

const ZH_CN: Labels = Labels {
    order: "订单",
    total: "合计",
    tip: "小费",
    paid_with: "已通过 WooshPay 支付",
    reference: "参考号",
    kiosk: "自助机",
    ticket_heading: "厨房",
    late: "延迟打印 - 付款于",
    net: "不含税",
    gross: "含税",
    refund_heading: "退款",
    original_sale: "原订单",
    refunded: "已退款",
    reason: "原因",
    requested_by_customer: "应顾客要求",
    duplicate: "重复付款",
    fraudulent: "欺诈",
};

/// Labels for a BCP 47 language code such as "de", "de-AT" or "zh-CN";
/// anything unknown gets English so a receipt always prints.
pub fn labels(language_code: &str) -> Labels {
    let primary = language_code
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match primary.as_str() {
        "de" => DE,
        // Only Simplified Chinese is translated; a zh-TW kiosk still reads it.
        "zh" => ZH_CN,
        _ => EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_primary_subtag() {
        assert_eq!(labels("en"), EN);
        assert_eq!(labels("de"), DE);
        assert_eq!(labels("de-AT"), DE);
        assert_eq!(labels("zh-CN"), ZH_CN);
        assert_eq!(labels("zh_Hans"), ZH_CN);
        assert_eq!(labels("fr"), EN);
        assert_eq!(labels(""), EN);
        assert_eq!(labels("de").total, "Summe");
        assert_eq!(labels("zh-CN").paid_with, "已通过 WooshPay 支付");
    }
}
