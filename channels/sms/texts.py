"""SMS replies added for fare classes, paying a chosen way, history and resend (en/fr/sw).

Merged into the one message catalogue (``channels.i18n.TEXTS``) at import: kept in a
file of their own so that the SMS commands and the catalogue can change side by side.
Each reply fits one SMS (160 GSM-7 characters) with worst-case values
(``tests/channels/test_sms_texts.py``), except where a value has no bound of its own:
``sms_payment_failed_ways`` carries the operator's failure reason (up to ~110
characters), so it may take two segments.
"""
from __future__ import annotations

SMS_TEXTS: dict[str, dict[str, str]] = {
    # HELP: the overview, and one SMS each for the commands with options.
    "sms_help_commands": {
        "en": "Safiri: BUY FROM TO, PAY ORDER, TICKETS, HISTORY, RESEND CODE, CANCEL CODE, BAL, TOPUP N, "
              "LANG EN/FR/SW, STOP. More: HELP BUY, HELP PAY",
        "fr": "Safiri: ACHETER DE A, PAYER COMMANDE, BILLETS, HISTORIQUE, RENVOYER CODE, ANNULER CODE, SOLDE, "
              "RECHARGE N, LANGUE FR, STOP. Plus: AIDE ACHETER, AIDE PAYER",
        "sw": "Safiri: NUNUA KUTOKA KWENDA, LIPA ODA, TIKETI, HISTORIA, TUMA MSIMBO, GHAIRI MSIMBO, SALIO, "
              "ONGEZA KIASI, LUGHA SW, STOP. Zaidi: MSAADA NUNUA",
    },
    "sms_help_buy": {
        "en": "BUY FROM TO (DDMM) (N) (CLASS), e.g. BUY NAIROBI NAKURU 0512 2 STUDENT. Classes: STANDARD "
              "(usual), STUDENT, REDUCED. Then reply with a trip number.",
        "fr": "ACHETER DE A (JJMM) (N) (TARIF), ex. ACHETER NAIROBI NAKURU 0512 2 ETUDIANT. Tarifs: NORMAL "
              "(habituel), ETUDIANT, REDUIT. Puis répondez par un numéro.",
        "sw": "NUNUA KUTOKA KWENDA (SSMM) (N) (NAULI), mf. NUNUA NAIROBI NAKURU 0512 2 MWANAFUNZI. Nauli: "
              "KAWAIDA, MWANAFUNZI, PUNGUZO. Kisha jibu kwa namba ya safari.",
    },
    "sms_help_pay": {
        "en": "PAY ORDER MPESA, PAY ORDER AIRTIME (phone balance) or PAY ORDER WALLET, e.g. PAY K7Q2ABCD "
              "WALLET. Also to try again after a failed payment.",
        "fr": "PAYER COMMANDE MPESA, PAYER COMMANDE CREDIT (crédit tél.) ou PAYER COMMANDE PORTEFEUILLE, ex. "
              "PAYER K7Q2ABCD CREDIT. Aussi après un échec.",
        "sw": "LIPA ODA MPESA, LIPA ODA SIMU (salio la simu) au LIPA ODA POCHI, mf. LIPA K7Q2ABCD POCHI. "
              "Pia kujaribu tena malipo yakishindikana.",
    },
    # BUY with a fare class.
    "sms_offers_head_class": {
        "en": "{origin}-{destination} {day}, {count} pax, {fare_class}. Reply with a number to pay:",
        "fr": "{origin}-{destination} {day}, {count} pers., tarif {fare_class}. Répondez par un numéro pour payer:",
        "sw": "{origin}-{destination} {day}, abiria {count}, nauli {fare_class}. Jibu kwa namba kulipa:",
    },
    "sms_class_not_sold": {
        "en": "No trip {origin}-{destination} on {day} sells {fare_class} fares. Send BUY again without "
              "{fare_class} for the usual fare.",
        "fr": "Aucun trajet {origin}-{destination} le {day} n'a le tarif {fare_class}. Renvoyez ACHETER sans "
              "{fare_class} pour le tarif habituel.",
        "sw": "Hakuna safari {origin}-{destination} {day} yenye nauli ya {fare_class}. Tuma NUNUA tena bila "
              "{fare_class} kwa nauli ya kawaida.",
    },
    "sms_unknown_class": {
        "en": "We do not know the fare class {word}. Classes: {classes}, e.g. BUY NAIROBI NAKURU 2 {example}",
        "fr": "Tarif inconnu: {word}. Tarifs: {classes}, ex. ACHETER NAIROBI NAKURU 2 {example}",
        "sw": "Hatujui nauli {word}. Nauli zilizopo: {classes}, mf. NUNUA NAIROBI NAKURU 2 {example}",
    },
    "sms_did_you_mean_class": {
        "en": "We do not know the fare class {word}. Did you mean {suggestion}? Send the message again with it.",
        "fr": "Tarif inconnu: {word}. Vouliez-vous dire {suggestion}? Renvoyez le message corrigé.",
        "sw": "Hatujui nauli {word}. Ulimaanisha {suggestion}? Tuma ujumbe tena ukirekebisha.",
    },
    # The reply to a list choice (and to PAY): what happens now, and how else to pay.
    "sms_order_mpesa_ways": {
        "en": "Order {code} {total}. Enter your M-Pesa PIN when asked; the ticket follows by SMS. "
              "Or send PAY {code} {other1} or PAY {code} {other2}",
        "fr": "Commande {code} {total}. Entrez votre code M-Pesa quand demandé; billet par SMS. "
              "Ou envoyez PAYER {code} {other1} ou {other2}",
        "sw": "Oda {code} {total}. Weka PIN ya M-Pesa ukiombwa; tiketi itafuata kwa SMS. "
              "Au tuma LIPA {code} {other1} au LIPA {code} {other2}",
    },
    "sms_order_airtime_ways": {
        "en": "Order {code} {total} will be charged to your phone balance; the ticket follows by SMS. "
              "Or send PAY {code} {other1} or PAY {code} {other2}",
        "fr": "Commande {code} {total} payée par crédit téléphone; billet par SMS. "
              "Ou envoyez PAYER {code} {other1} ou {other2}",
        "sw": "Oda {code} {total} italipwa kwa salio la simu; tiketi itafuata kwa SMS. "
              "Au tuma LIPA {code} {other1} au LIPA {code} {other2}",
    },
    "sms_payment_failed_ways": {
        "en": "Payment failed: {reason} Send PAY {code} {other1} or PAY {code} {other2} to pay another way.",
        "fr": "Paiement échoué: {reason} Envoyez PAYER {code} {other1} ou {other2} pour payer autrement.",
        "sw": "Malipo yameshindikana: {reason} Tuma LIPA {code} {other1} au LIPA {code} {other2} kulipa kwa njia nyingine.",
    },
    "sms_airtime_not_payable": {
        "en": "Your phone balance cannot pay {total} for order {code}. Send PAY {code} {other1} or PAY {code} {other2}.",
        "fr": "Le crédit téléphone ne peut pas payer {total} pour la commande {code}. Envoyez PAYER {code} {other1} "
              "ou {other2}.",
        "sw": "Salio la simu haliwezi kulipa {total} kwa oda {code}. Tuma LIPA {code} {other1} au LIPA {code} {other2}.",
    },
    # PAY
    "sms_pay_usage": {
        "en": "Send: PAY ORDER {mpesa}, {airtime} or {wallet}, e.g. PAY K7Q2ABCD {wallet}. The order code is in "
              "our reply to your trip choice.",
        "fr": "Envoyez: PAYER COMMANDE {mpesa}, {airtime} ou {wallet}, ex. PAYER K7Q2ABCD {airtime}. Le code est "
              "dans notre réponse à votre choix.",
        "sw": "Tuma: LIPA ODA {mpesa}, {airtime} au {wallet}, mf. LIPA K7Q2ABCD {wallet}. Msimbo wa oda uko kwenye "
              "jibu letu la safari uliyochagua.",
    },
    "sms_pay_ways": {
        "en": "Order {code} {total} is unpaid; seats held until {until}. Send PAY {code} {mpesa}, "
              "PAY {code} {airtime} (phone balance) or PAY {code} {wallet}",
        "fr": "Commande {code} {total} non payée; places gardées jusqu'à {until}. Envoyez PAYER {code} suivi de "
              "{mpesa}, {airtime} ou {wallet}",
        "sw": "Oda {code} {total} haijalipwa; viti vimeshikiliwa hadi {until}. Tuma LIPA {code} {mpesa}, "
              "LIPA {code} {airtime} au LIPA {code} {wallet}",
    },
    "sms_no_such_order": {
        "en": "No order {code} on this phone. The order code is in our reply to your trip choice, e.g. "
              "PAY K7Q2ABCD WALLET",
        "fr": "Aucune commande {code} sur ce téléphone. Le code est dans notre réponse à votre choix de trajet.",
        "sw": "Hakuna oda {code} kwenye simu hii. Msimbo wa oda uko kwenye jibu letu la safari uliyochagua.",
    },
    "sms_order_already_paid": {
        "en": "Order {code} is already paid. Send TICKETS to see your tickets.",
        "fr": "La commande {code} est déjà payée. Envoyez BILLETS pour voir vos billets.",
        "sw": "Oda {code} tayari imelipwa. Tuma TIKETI kuona tiketi zako.",
    },
    "sms_order_not_payable": {
        "en": "Order {code} can no longer be paid: its seats are no longer held. Send BUY again to book.",
        "fr": "La commande {code} n'est plus payable: ses places ne sont plus gardées. Renvoyez ACHETER.",
        "sw": "Oda {code} haiwezi kulipwa tena: viti vyake havijashikiliwa tena. Tuma NUNUA tena.",
    },
    "sms_bad_method": {
        "en": "We did not understand {word}. Send PAY {code} {mpesa}, PAY {code} {airtime} or PAY {code} {wallet}.",
        "fr": "Mot non compris: {word}. Envoyez PAYER {code} suivi de {mpesa}, {airtime} ou {wallet}.",
        "sw": "Hatukuelewa {word}. Tuma LIPA {code} {mpesa}, LIPA {code} {airtime} au LIPA {code} {wallet}.",
    },
    "sms_did_you_mean_method": {
        "en": "We did not understand {word}. Did you mean PAY {code} {suggestion}? Send it to pay.",
        "fr": "Mot non compris: {word}. Vouliez-vous dire PAYER {code} {suggestion}? Envoyez-le pour payer.",
        "sw": "Hatukuelewa {word}. Ulimaanisha LIPA {code} {suggestion}? Itume ili kulipa.",
    },
    "sms_wallet_too_low": {
        "en": "Your wallet holds {balance}; order {code} costs {total}. Send TOPUP {missing} then PAY {code} "
              "{wallet}, or PAY {code} {mpesa}",
        "fr": "Votre portefeuille a {balance}; la commande {code} est de {total}. Envoyez RECHARGE {missing} puis "
              "PAYER {code} {wallet}, ou {mpesa}",
        "sw": "Pochi yako ina {balance}; oda {code} ni {total}. Tuma ONGEZA {missing} kisha LIPA {code} {wallet}, "
              "au LIPA {code} {mpesa}",
    },
    # HISTORY and RESEND
    "sms_history_title": {"en": "Past trips:", "fr": "Trajets passés:", "sw": "Safari zilizopita:"},
    "sms_no_history": {
        "en": "You have no past trips yet. Send TICKETS for your coming trips.",
        "fr": "Aucun trajet passé pour l'instant. Envoyez BILLETS pour vos prochains trajets.",
        "sw": "Bado huna safari zilizopita. Tuma TIKETI kuona safari zijazo.",
    },
    "sms_ticket_used": {"en": "used", "fr": "utilisé", "sw": "imetumika"},
    "sms_ticket_cancelled": {"en": "cancelled", "fr": "annulé", "sw": "imeghairiwa"},
    "sms_ticket_refunded": {"en": "refunded", "fr": "remboursé", "sw": "imerejeshwa"},
    "sms_ticket_expired": {"en": "expired", "fr": "expiré", "sw": "imepitwa"},
    "sms_resend_usage": {
        "en": "Send: RESEND CODE, the code of the ticket to send again (TICKETS lists them)",
        "fr": "Envoyez: RENVOYER CODE, le code du billet à renvoyer (BILLETS les liste)",
        "sw": "Tuma: TUMA MSIMBO, msimbo wa tiketi ya kutuma tena (TIKETI huzionyesha)",
    },
}
