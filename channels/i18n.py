"""Texts that feature-phone channels (USSD screens, SMS replies) show, in en/fr/sw.

Why one table: a USSD screen and an SMS reply that say the same thing should say it the
same way, and adding a language must mean adding one column here, not touching every
handler. Texts are plain ASCII on purpose: a feature phone shows GSM-7, where "é" exists
but "ê" or "ç" does not; dynamic values (stop names typed by carriers) go through
``gsm7`` before they reach a screen.
"""
from __future__ import annotations

import unicodedata

LANGUAGES = ("en", "fr", "sw")
LANGUAGE_NAMES = {"en": "English", "fr": "Francais", "sw": "Kiswahili"}

# GSM 03.38 basic character set (the extension table costs two septets; we avoid it).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

TEXTS: dict[str, dict[str, str]] = {
    # --- USSD: home and common lines
    "home": {
        "en": "Safiri\n1 Buy ticket\n2 My tickets\n3 Cancel ticket\n4 Wallet\n5 Language/Help",
        "fr": "Safiri\n1 Acheter billet\n2 Mes billets\n3 Annuler billet\n4 Portefeuille\n5 Langue/Aide",
        "sw": "Safiri\n1 Nunua tiketi\n2 Tiketi zangu\n3 Ghairi tiketi\n4 Pochi\n5 Lugha/Msaada",
    },
    # Shown before we know the caller's language, hence the same three-language line.
    "choose_language": {
        "en": "Safiri: Language / Langue / Lugha",
        "fr": "Safiri: Language / Langue / Lugha",
        "sw": "Safiri: Language / Langue / Lugha",
    },
    "more": {"en": "98 More", "fr": "98 Suite", "sw": "98 Zaidi"},
    "back": {"en": "0 Back", "fr": "0 Retour", "sw": "0 Rudi"},
    "invalid": {"en": "Invalid choice.", "fr": "Choix invalide.", "sw": "Chaguo batili."},
    "error_generic": {
        "en": "Sorry, that did not work. Try again later.",
        "fr": "Desole, cela n'a pas marche. Reessayez plus tard.",
        "sw": "Samahani, imeshindikana. Jaribu tena baadaye.",
    },
    "rate_limited": {
        "en": "Too many requests. Please wait a minute and dial again.",
        "fr": "Trop de demandes. Attendez une minute et rappelez.",
        "sw": "Maombi mengi mno. Subiri dakika moja kisha piga tena.",
    },
    "resume": {
        "en": "Continue where you left off?\n1 Yes\n2 No, start again",
        "fr": "Reprendre ou vous en etiez?\n1 Oui\n2 Non, recommencer",
        "sw": "Endelea ulipoishia?\n1 Ndiyo\n2 Hapana, anza upya",
    },
    # A deactivated account dialing in or texting (app.sales.callers.who_is_calling).
    "account_inactive": {
        "en": "Your Safiri account is deactivated: it cannot buy or pay by SMS or USSD. To use it again, "
              "sign in to the Safiri app with a code sent to this number.",
        "fr": "Votre compte Safiri est desactive: pas d'achat ni de paiement par SMS ou USSD. Pour le "
              "reactiver, connectez-vous a l'appli Safiri avec un code recu ici.",
        "sw": "Akaunti yako ya Safiri imesitishwa: huwezi kununua wala kulipa kwa SMS au USSD. Ili "
              "kuitumia tena, ingia kwenye programu ya Safiri kwa nambari utakayotumiwa.",
    },
    # The last SMS to a deleted account's number (channels.erasure).
    "account_deleted": {
        "en": "Safiri: your account and personal data are deleted, as you asked. Tickets already bought "
              "stay valid with their code. Thank you for travelling with us.",
        "fr": "Safiri: votre compte et vos donnees personnelles sont supprimes, comme demande. Les billets "
              "achetes restent valables avec leur code. Merci.",
        "sw": "Safiri: akaunti yako na taarifa zako binafsi zimefutwa kama ulivyoomba. Tiketi ulizonunua "
              "zinabaki halali kwa nambari zake. Asante.",
    },
    "account_deleted_payout": {
        "en": "Safiri: your account is deleted. Your wallet balance {amount} will be sent to this M-Pesa "
              "number within 7 days. Tickets already bought stay valid.",
        "fr": "Safiri: compte supprime. Le solde de votre portefeuille, {amount}, sera envoye sur ce numero "
              "M-Pesa sous 7 jours. Vos billets restent valables.",
        "sw": "Safiri: akaunti imefutwa. Salio la pochi yako {amount} litatumwa kwa nambari hii ya M-Pesa "
              "ndani ya siku 7. Tiketi ulizonunua zinabaki halali.",
    },
    "bye": {"en": "Thank you for using Safiri.", "fr": "Merci d'utiliser Safiri.", "sw": "Asante kwa kutumia Safiri."},
    # --- Buy flow
    "ask_origin": {
        "en": "Where from? Choose or type the first letters:",
        "fr": "Depart? Choisissez ou tapez les premieres lettres:",
        "sw": "Kutoka wapi? Chagua au andika herufi za kwanza:",
    },
    "ask_destination": {
        "en": "From {origin}. Where to? Choose or type:",
        "fr": "De {origin}. Destination? Choisissez ou tapez:",
        "sw": "Kutoka {origin}. Kwenda wapi? Chagua au andika:",
    },
    "pick_city": {"en": "Which one?", "fr": "Laquelle?", "sw": "Ipi?"},
    # "Where to?" lists only cities with a trip from the origin soon (catalog.destinations_from).
    "no_destinations": {
        "en": "No trips from {origin} in the next days.",
        "fr": "Aucun trajet depuis {origin} ces prochains jours.",
        "sw": "Hakuna safari kutoka {origin} siku zijazo.",
    },
    "no_route": {"en": "No trips there from here.", "fr": "Aucun trajet vers ce lieu.",
                 "sw": "Hakuna safari kwenda huko."},
    "no_city": {"en": "No place matches.", "fr": "Aucun lieu trouve.", "sw": "Hakuna mahali panapolingana."},
    "ask_day": {
        "en": "{origin}-{destination}. When?\n1 Today\n2 Tomorrow\nOr date DDMM",
        "fr": "{origin}-{destination}. Quand?\n1 Aujourd'hui\n2 Demain\nOu date JJMM",
        "sw": "{origin}-{destination}. Lini?\n1 Leo\n2 Kesho\nAu tarehe SSMM",
    },
    "bad_date": {"en": "Invalid date.", "fr": "Date invalide.", "sw": "Tarehe batili."},
    # The trip list: each line is "time carrier price (seats)"; the title says what they mean.
    "ask_trip": {"en": "{day}. Prices in {currency}, (n) = seats left:",
                 "fr": "{day}. Prix en {currency}, (n) = places libres:",
                 "sw": "{day}. Bei kwa {currency}, (n) = viti vilivyobaki:"},
    "trip_line": {"en": "{time} {carrier} {price} ({seats})", "fr": "{time} {carrier} {price} ({seats})",
                  "sw": "{time} {carrier} {price} ({seats})"},
    "no_trips": {
        "en": "No trips on {day}.",
        "fr": "Aucun trajet le {day}.",
        "sw": "Hakuna safari {day}.",
    },
    "ask_count": {
        "en": "How many passengers? (1-{max})",
        "fr": "Combien de passagers? (1-{max})",
        "sw": "Abiria wangapi? (1-{max})",
    },
    "ask_class": {"en": "Fare class:", "fr": "Tarif:", "sw": "Aina ya nauli:"},
    "class_standard": {"en": "Standard", "fr": "Normal", "sw": "Kawaida"},
    "class_student": {"en": "Student", "fr": "Etudiant", "sw": "Mwanafunzi"},
    "class_reduced": {"en": "Reduced", "fr": "Reduit", "sw": "Punguzo"},
    "confirm": {
        "en": "{origin}-{destination} {when}\n{count} x {fare_class} = {total}\nPay: 1 M-Pesa\n2 Phone balance\n3 Wallet\n0 Cancel",
        "fr": "{origin}-{destination} {when}\n{count} x {fare_class} = {total}\nPayer: 1 M-Pesa\n2 Credit tel.\n3 Portefeuille\n0 Annuler",
        "sw": "{origin}-{destination} {when}\n{count} x {fare_class} = {total}\nLipa: 1 M-Pesa\n2 Salio la simu\n3 Pochi\n0 Ghairi",
    },
    "paid_mpesa": {
        "en": "Enter your M-Pesa PIN when asked on your phone. You will get your ticket by SMS.",
        "fr": "Entrez votre code M-Pesa quand demande. Vous recevrez votre billet par SMS.",
        "sw": "Weka PIN ya M-Pesa ukiombwa kwenye simu. Utapokea tiketi kwa SMS.",
    },
    "paid_airtime": {
        "en": "Payment from your phone balance is on its way. You will get your ticket by SMS.",
        "fr": "Paiement par credit en cours. Vous recevrez votre billet par SMS.",
        "sw": "Malipo kwa salio la simu yanaendelea. Utapokea tiketi kwa SMS.",
    },
    "paid_wallet": {
        "en": "Paid from your wallet. You will get your ticket by SMS.",
        "fr": "Paye par portefeuille. Vous recevrez votre billet par SMS.",
        "sw": "Umelipa kwa pochi. Utapokea tiketi kwa SMS.",
    },
    "payment_failed": {
        "en": "Payment failed: {reason}",
        "fr": "Paiement echoue: {reason}",
        "sw": "Malipo yameshindwa: {reason}",
    },
    # --- My tickets / cancel
    "no_tickets": {"en": "You have no active tickets.", "fr": "Vous n'avez aucun billet actif.",
                   "sw": "Huna tiketi hai."},
    "tickets_title": {"en": "Your tickets:", "fr": "Vos billets:", "sw": "Tiketi zako:"},
    "cancel_title": {"en": "Cancel which ticket?", "fr": "Annuler quel billet?", "sw": "Ghairi tiketi ipi?"},
    "ticket_line": {"en": "Seat {seat} {route} {when}", "fr": "Place {seat} {route} {when}",
                    "sw": "Kiti {seat} {route} {when}"},
    "ticket_detail": {
        "en": "{code}\n{route} {when}\nSeat {seat}\n1 Resend by SMS\n0 Back",
        "fr": "{code}\n{route} {when}\nPlace {seat}\n1 Renvoyer par SMS\n0 Retour",
        "sw": "{code}\n{route} {when}\nKiti {seat}\n1 Tuma tena kwa SMS\n0 Rudi",
    },
    "ticket_resent": {"en": "Ticket {code} sent by SMS.", "fr": "Billet {code} envoye par SMS.",
                      "sw": "Tiketi {code} imetumwa kwa SMS."},
    "cancel_quote": {
        "en": "Cancel {code}?\nRefund {amount} ({percent}%) to your wallet.\n1 Confirm\n0 Back",
        "fr": "Annuler {code}?\nRemboursement {amount} ({percent}%) sur le portefeuille.\n1 Confirmer\n0 Retour",
        "sw": "Ghairi {code}?\nUtarudishiwa {amount} ({percent}%) kwenye pochi.\n1 Thibitisha\n0 Rudi",
    },
    "cancelled": {
        "en": "Ticket {code} cancelled. {amount} refunded to your wallet.",
        "fr": "Billet {code} annule. {amount} rembourse sur le portefeuille.",
        "sw": "Tiketi {code} imeghairiwa. {amount} imerudishwa kwenye pochi.",
    },
    # --- Wallet
    "wallet": {
        "en": "Wallet balance: {balance}\n1 Top up by M-Pesa\n0 Back",
        "fr": "Solde du portefeuille: {balance}\n1 Recharger par M-Pesa\n0 Retour",
        "sw": "Salio la pochi: {balance}\n1 Ongeza kwa M-Pesa\n0 Rudi",
    },
    "ask_topup": {
        "en": "Top-up amount in {currency} (whole number):",
        "fr": "Montant de la recharge en {currency} (nombre entier):",
        "sw": "Kiasi cha kuongeza kwa {currency} (namba kamili):",
    },
    "topup_started": {
        "en": "Enter your M-Pesa PIN when asked to add {amount} to your wallet.",
        "fr": "Entrez votre code M-Pesa quand demande pour ajouter {amount}.",
        "sw": "Weka PIN ya M-Pesa ukiombwa ili kuongeza {amount} kwenye pochi.",
    },
    # --- Language / help
    "language_help": {
        "en": "1 English\n2 Francais\n3 Kiswahili\n4 Help\n0 Back",
        "fr": "1 English\n2 Francais\n3 Kiswahili\n4 Aide\n0 Retour",
        "sw": "1 English\n2 Francais\n3 Kiswahili\n4 Msaada\n0 Rudi",
    },
    "help_ussd": {
        "en": "Buy, list or cancel tickets here. By SMS: BUY FROM TO, TICKETS, CANCEL CODE, BAL, HELP. 00 = main menu.",
        "fr": "Achetez, listez, annulez ici. Par SMS: ACHETER DE A, BILLETS, ANNULER CODE, SOLDE, AIDE. 00 = menu.",
        "sw": "Nunua, ona, ghairi tiketi hapa. SMS: NUNUA KUTOKA KWENDA, TIKETI, GHAIRI NAMBARI, SALIO. 00 = menyu.",
    },
    # --- SMS replies
    "sms_help": {
        "en": "Safiri: BUY FROM TO (DDMM) (N), TICKETS, CANCEL CODE, BAL, TOPUP AMOUNT, LANG EN/FR/SW, STOP",
        "fr": "Safiri: ACHETER DE A (JJMM) (N), BILLETS, ANNULER CODE, SOLDE, RECHARGE MONTANT, LANGUE EN/FR/SW, STOP",
        "sw": "Safiri: NUNUA KUTOKA KWENDA (SSMM) (N), TIKETI, GHAIRI NAMBARI, SALIO, ONGEZA KIASI, LUGHA EN/FR/SW, STOP",
    },
    "sms_buy_usage": {
        "en": "Send: BUY FROM TO (DDMM) (N), e.g. BUY NAIROBI NAKURU 2",
        "fr": "Envoyez: ACHETER DE A (JJMM) (N), ex. ACHETER NAIROBI NAKURU 2",
        "sw": "Tuma: NUNUA KUTOKA KWENDA (SSMM) (N), mf. NUNUA NAIROBI NAKURU 2",
    },
    "sms_unknown_place": {
        "en": "We do not know {place}. Send BUY FROM TO, e.g. BUY NAIROBI NAKURU",
        "fr": "Lieu inconnu: {place}. Envoyez ACHETER DE A, ex. ACHETER NAIROBI NAKURU",
        "sw": "Hatujui {place}. Tuma NUNUA KUTOKA KWENDA, mf. NUNUA NAIROBI NAKURU",
    },
    "sms_did_you_mean_place": {
        "en": "We do not know {place}. Did you mean {suggestion}? Send the message again with it.",
        "fr": "Lieu inconnu: {place}. Vouliez-vous dire {suggestion}? Renvoyez le message corrigé.",
        "sw": "Hatujui {place}. Ulimaanisha {suggestion}? Tuma ujumbe tena ukirekebisha.",
    },
    "sms_did_you_mean": {
        "en": "We did not understand {word}. Did you mean {suggestion}? Send HELP for commands.",
        "fr": "Mot non compris: {word}. Vouliez-vous dire {suggestion}? Envoyez AIDE.",
        "sw": "Hatukuelewa {word}. Ulimaanisha {suggestion}? Tuma MSAADA.",
    },
    "sms_passenger_range": {
        "en": "An order has 1 to {max} passengers. Send e.g. BUY NAIROBI NAKURU 2",
        "fr": "Une commande a de 1 à {max} passagers. Envoyez ex. ACHETER NAIROBI NAKURU 2",
        "sw": "Oda ina abiria 1 hadi {max}. Tuma mf. NUNUA NAIROBI NAKURU 2",
    },
    "sms_choose_range": {
        "en": "Reply with one of the numbers listed (1-{last}), or send BUY FROM TO again.",
        "fr": "Répondez par un des numéros de la liste (1-{last}), ou renvoyez ACHETER DE A.",
        "sw": "Jibu kwa mojawapo ya namba zilizoorodheshwa (1-{last}), au tuma NUNUA KUTOKA KWENDA tena.",
    },
    "sms_offers_head": {
        "en": "{origin}-{destination} {day}, {count} pax. Reply with a number to pay:",
        "fr": "{origin}-{destination} {day}, {count} pers. Repondez par un numero pour payer:",
        "sw": "{origin}-{destination} {day}, abiria {count}. Jibu kwa namba kulipa:",
    },
    "sms_no_trips": {
        "en": "No trips {origin}-{destination} on {day}.",
        "fr": "Aucun trajet {origin}-{destination} le {day}.",
        "sw": "Hakuna safari {origin}-{destination} {day}.",
    },
    "sms_nothing_pending": {
        "en": "Nothing is waiting for your answer. Send HELP for commands.",
        "fr": "Rien n'attend votre reponse. Envoyez AIDE.",
        "sw": "Hakuna kinachosubiri jibu lako. Tuma MSAADA.",
    },
    "sms_order_mpesa": {
        "en": "Order {code} {total}. Enter your M-Pesa PIN when asked. Your ticket follows by SMS.",
        "fr": "Commande {code} {total}. Entrez votre code M-Pesa quand demande. Billet par SMS.",
        "sw": "Oda {code} {total}. Weka PIN ya M-Pesa ukiombwa. Tiketi itafuata kwa SMS.",
    },
    "sms_order_airtime": {
        "en": "Order {code} {total} will be charged to your phone balance. Your ticket follows by SMS.",
        "fr": "Commande {code} {total} payee par credit telephone. Billet par SMS.",
        "sw": "Oda {code} {total} italipwa kwa salio la simu. Tiketi itafuata kwa SMS.",
    },
    # Phone balance chosen but the total is no sum of the premium price points: M-Pesa instead.
    "sms_airtime_to_mpesa": {
        "en": "Order {code} {total}: phone balance cannot pay this amount, so we sent an M-Pesa request. Enter your PIN when asked.",
        "fr": "Commande {code} {total}: le crédit ne peut pas payer ce montant, nous avons envoyé une demande M-Pesa. Entrez votre code.",
        "sw": "Oda {code} {total}: salio la simu haliwezi kulipa kiasi hiki, tumekutumia ombi la M-Pesa. Weka PIN ukiombwa.",
    },
    "sms_order_wallet": {
        "en": "Order {code} {total} paid from your wallet. Your ticket follows by SMS.",
        "fr": "Commande {code} {total} payee par portefeuille. Billet par SMS.",
        "sw": "Oda {code} {total} imelipwa kwa pochi. Tiketi itafuata kwa SMS.",
    },
    "sms_cancel_usage": {
        "en": "Send: CANCEL CODE (the code on your ticket SMS)",
        "fr": "Envoyez: ANNULER CODE (le code du SMS de votre billet)",
        "sw": "Tuma: GHAIRI NAMBARI (nambari ya SMS ya tiketi yako)",
    },
    "sms_no_such_ticket": {
        "en": "No active ticket {code} on this phone.",
        "fr": "Aucun billet actif {code} sur ce telephone.",
        "sw": "Hakuna tiketi hai {code} kwenye simu hii.",
    },
    "sms_cancel_quote": {
        "en": "Cancel {code}? Refund {amount} ({percent}%) to your wallet. Reply YES to confirm.",
        "fr": "Annuler {code}? Remboursement {amount} ({percent}%) sur le portefeuille. Repondez OUI.",
        "sw": "Ghairi {code}? Utarudishiwa {amount} ({percent}%) kwenye pochi. Jibu NDIYO.",
    },
    "sms_balance": {"en": "Safiri wallet balance: {balance}", "fr": "Solde Safiri: {balance}",
                    "sw": "Salio la pochi ya Safiri: {balance}"},
    "sms_topup_usage": {
        "en": "Send: TOPUP AMOUNT, e.g. TOPUP 500",
        "fr": "Envoyez: RECHARGE MONTANT, ex. RECHARGE 500",
        "sw": "Tuma: ONGEZA KIASI, mf. ONGEZA 500",
    },
    "sms_lang_set": {"en": "Language set to English.", "fr": "Langue: francais.", "sw": "Lugha: Kiswahili."},
    "sms_lang_usage": {"en": "Send: LANG EN, LANG FR or LANG SW", "fr": "Envoyez: LANGUE EN, FR ou SW",
                       "sw": "Tuma: LUGHA EN, FR au SW"},
    "sms_stopped": {
        "en": "You will get no more offers from Safiri. Tickets and receipts still come.",
        "fr": "Vous ne recevrez plus d'offres Safiri. Billets et recus continuent.",
        "sw": "Hutapokea matangazo ya Safiri tena. Tiketi na risiti zitaendelea kuja.",
    },
    # --- Phone balance (airtime, premium SMS): failure reasons, each with what to do instead.
    # Sent as "Safiri: <text>" (one SMS: 152 characters at most) and shown on the API payment.
    "airtime_fail_low_credit": {
        "en": "Your airtime balance is too low for this payment. Top up airtime or pay by M-Pesa.",
        "fr": "Votre crédit est insuffisant pour ce paiement. Rechargez votre crédit ou payez par M-Pesa.",
        "sw": "Salio lako la simu halitoshi kwa malipo haya. Ongeza salio au lipa kwa M-Pesa.",
    },
    "airtime_fail_corporate": {
        "en": "Business and corporate lines cannot pay with phone balance. Please pay by M-Pesa.",
        "fr": "Les lignes professionnelles ne peuvent pas payer avec le crédit. Payez par M-Pesa.",
        "sw": "Laini za biashara na kampuni haziwezi kulipa kwa salio la simu. Tafadhali lipa kwa M-Pesa.",
    },
    "airtime_fail_postpaid_unpaid": {
        "en": "Your post-paid line has an unpaid bill, so it cannot pay with phone balance. Clear it or pay by M-Pesa.",
        "fr": "Votre ligne post-payée a une facture impayée: pas de paiement par crédit. Réglez-la ou payez par M-Pesa.",
        "sw": "Laini yako ya malipo ya baadaye ina deni, hivyo haiwezi kulipa kwa salio. Lipa deni au lipa kwa M-Pesa.",
    },
    "airtime_fail_never_topped_up": {
        "en": "Your line has not been topped up since it was activated, so it cannot pay with phone balance. Top up or pay by M-Pesa.",
        "fr": "Votre ligne n'a jamais été rechargée depuis son activation. Rechargez-la ou payez par M-Pesa.",
        "sw": "Laini yako haijaongezewa salio tangu ilipowashwa, hivyo haiwezi kulipa. Ongeza salio au lipa kwa M-Pesa.",
    },
    "airtime_fail_initial_balance": {
        "en": "The starter balance of a new line cannot pay for tickets. Top up airtime or pay by M-Pesa.",
        "fr": "Le crédit offert à l'activation ne paie pas les billets. Rechargez votre crédit ou payez par M-Pesa.",
        "sw": "Salio la mwanzo la laini mpya haliwezi kulipia tiketi. Ongeza salio au lipa kwa M-Pesa.",
    },
    "airtime_fail_sim_changed": {
        "en": "Your SIM card was replaced in the last 24 hours, so phone balance payments are blocked for now. Please pay by M-Pesa.",
        "fr": "Votre carte SIM a été changée il y a moins de 24 h: paiement par crédit bloqué pour l'instant. Payez par M-Pesa.",
        "sw": "SIM kadi yako ilibadilishwa ndani ya saa 24, hivyo malipo kwa salio yamezuiwa kwa sasa. Tafadhali lipa kwa M-Pesa.",
    },
    "airtime_fail_link_expired": {
        "en": "Your phone balance payment request expired. Send your booking again by SMS or pay by M-Pesa.",
        "fr": "La demande de paiement par crédit a expiré. Renvoyez votre réservation par SMS ou payez par M-Pesa.",
        "sw": "Ombi la malipo kwa salio limeisha muda. Tuma tena oda yako kwa SMS au lipa kwa M-Pesa.",
    },
    "airtime_fail_blacklisted": {
        "en": "Your line has blocked premium messages, so it cannot pay with phone balance. Ask your operator to unblock them or pay by M-Pesa.",
        "fr": "Votre ligne bloque les SMS surtaxés: pas de paiement par crédit. Demandez à votre opérateur de les autoriser ou payez par M-Pesa.",
        "sw": "Laini yako imezuia jumbe za ada, hivyo haiwezi kulipa kwa salio. Omba mtandao wako uziruhusu au lipa kwa M-Pesa.",
    },
    "airtime_fail_suspended": {
        "en": "Your mobile line is suspended, so it cannot pay with phone balance. Contact your operator or pay by M-Pesa.",
        "fr": "Votre ligne mobile est suspendue: pas de paiement par crédit. Contactez votre opérateur ou payez par M-Pesa.",
        "sw": "Laini yako ya simu imesimamishwa, hivyo haiwezi kulipa kwa salio. Wasiliana na mtandao wako au lipa kwa M-Pesa.",
    },
    "airtime_fail_not_subscribed": {
        "en": "Your line is not signed up for Safiri phone balance payments. Send your booking by SMS to our short code or pay by M-Pesa.",
        "fr": "Votre ligne n'est pas inscrite au paiement Safiri par crédit. Réservez par SMS à notre numéro court ou payez par M-Pesa.",
        "sw": "Laini yako haijasajiliwa kwa malipo ya Safiri kwa salio. Tuma oda kwa SMS kwa namba yetu fupi au lipa kwa M-Pesa.",
    },
    "airtime_fail_network": {
        "en": "Your network could not complete the airtime charge. Please try again or pay by M-Pesa.",
        "fr": "Votre réseau n'a pas pu débiter le crédit. Réessayez ou payez par M-Pesa.",
        "sw": "Mtandao wako haukuweza kukamilisha malipo kwa salio. Jaribu tena au lipa kwa M-Pesa.",
    },
    "airtime_fail_absent": {
        "en": "We could not reach your phone. Check it is on and has signal, then try again or pay by M-Pesa.",
        "fr": "Votre téléphone est injoignable. Vérifiez qu'il est allumé et capte, puis réessayez ou payez par M-Pesa.",
        "sw": "Hatukuweza kufikia simu yako. Hakikisha imewashwa na ina mtandao, kisha jaribu tena au lipa kwa M-Pesa.",
    },
    "airtime_fail_unavailable": {
        "en": "We could not charge your phone balance right now. Please pay by M-Pesa.",
        "fr": "Impossible de débiter votre crédit pour le moment. Payez par M-Pesa.",
        "sw": "Hatukuweza kutoza salio la simu yako sasa. Tafadhali lipa kwa M-Pesa.",
    },
    "airtime_fail_generic": {
        "en": "The airtime payment did not go through. Please try again or pay by M-Pesa.",
        "fr": "Le paiement par crédit n'a pas abouti. Réessayez ou payez par M-Pesa.",
        "sw": "Malipo kwa salio la simu hayakufaulu. Jaribu tena au lipa kwa M-Pesa.",
    },
    # The text of each premium SMS that charges the phone balance (the subscriber receives it).
    "airtime_charge_text": {
        "en": "Safiri: {amount} ({part} of {parts}) for booking {code}.",
        "fr": "Safiri: {amount} ({part} sur {parts}) pour la réservation {code}.",
        "sw": "Safiri: {amount} ({part} kati ya {parts}) kwa oda {code}.",
    },
    # A charge of several premium messages that failed part-way: what was taken is returned.
    "airtime_partial_refund": {
        "en": "Safiri: booking {code} is not paid, but {amount} was already taken from your phone balance. It is now in your Safiri wallet.",
        "fr": "Safiri: la réservation {code} n'est pas payée, mais {amount} ont été débités de votre crédit. Ils sont sur votre portefeuille Safiri.",
        "sw": "Safiri: oda {code} haijalipwa, lakini {amount} tayari zilikatwa kwenye salio la simu. Sasa ziko kwenye pochi yako ya Safiri.",
    },
    "sms_check_usage": {"en": "Send: CHECK CODE", "fr": "Envoyez: CHECK CODE", "sw": "Tuma: CHECK NAMBARI"},
    "sms_check_unavailable": {
        "en": "Ticket checking by SMS is not available yet.",
        "fr": "La verification par SMS n'est pas encore disponible.",
        "sw": "Kukagua tiketi kwa SMS bado hakupatikani.",
    },
    "sms_not_driver": {
        "en": "Only drivers and conductors can check tickets.",
        "fr": "Seuls les chauffeurs et receveurs peuvent verifier les billets.",
        "sw": "Madereva na makondakta tu wanaweza kukagua tiketi.",
    },
    # --- paying another way after a failed payment (app.sales.paying; the seats stay held)
    "retry_pay": {
        "en": "Booking {code} ({total}) is not paid; seats held.\nPay with 1 Wallet\n2 Phone balance\n3 M-Pesa again\n0 Main menu",
        "fr": "Réservation {code} ({total}) non payée; places gardées.\nPayer par 1 Portefeuille\n2 Crédit tél.\n3 M-Pesa à nouveau\n0 Menu",
        "sw": "Oda {code} ({total}) haijalipwa; viti vimeshikiliwa.\nLipa kwa 1 Pochi\n2 Salio la simu\n3 M-Pesa tena\n0 Menyu kuu",
    },
    # Appended to a failed order payment's SMS: the other ways to pay (two SMS segments with it).
    "pay_another_way": {
        "en": "Your seats stay held for a few minutes: reply PAY {code} WALLET, AIRTIME or MPESA to pay another way.",
        "fr": "Vos places restent gardées quelques minutes: répondez PAY {code} WALLET, AIRTIME ou MPESA pour payer autrement.",
        "sw": "Viti vyako vimeshikiliwa kwa dakika chache: jibu PAY {code} WALLET, AIRTIME au MPESA kulipa kwa njia nyingine.",
    },
}

# Error slugs of the domain services that deserve their own line (else error_generic).
ERROR_TEXTS: dict[str, dict[str, str]] = {
    "sold-out": {"en": "Sorry, this trip is full.", "fr": "Desole, ce trajet est complet.",
                 "sw": "Samahani, safari hii imejaa."},
    "seat-taken": {"en": "Sorry, those seats were just taken.", "fr": "Desole, ces places viennent d'etre prises.",
                   "sw": "Samahani, viti hivyo vimechukuliwa."},
    "trip-departed": {"en": "Sorry, this trip has left.", "fr": "Desole, ce trajet est parti.",
                      "sw": "Samahani, safari hii imeondoka."},
    "trip-not-bookable": {"en": "Sorry, this trip is no longer sold.", "fr": "Desole, ce trajet n'est plus vendu.",
                          "sw": "Samahani, safari hii haiuzwi tena."},
    "passenger-count": {"en": "Too many passengers for one order.", "fr": "Trop de passagers pour une commande.",
                        "sw": "Abiria wengi mno kwa oda moja."},
    "insufficient-funds": {"en": "Your wallet balance is too low.", "fr": "Solde du portefeuille insuffisant.",
                           "sw": "Salio la pochi halitoshi."},
    "invalid-amount": {"en": "Amount must be between 10 and 150,000.", "fr": "Montant entre 10 et 150 000.",
                       "sw": "Kiasi kiwe kati ya 10 na 150,000."},
    "past-date": {"en": "That date has passed.", "fr": "Cette date est passee.", "sw": "Tarehe hiyo imepita."},
    "same-origin-destination": {"en": "From and to are the same place.", "fr": "Depart et arrivee identiques.",
                                "sw": "Kutoka na kwenda ni mahali pamoja."},
    "unknown-stop": {"en": "No place matches.", "fr": "Aucun lieu trouve.", "sw": "Hakuna mahali panapolingana."},
    "ticket-not-cancellable": {"en": "This ticket cannot be cancelled.", "fr": "Ce billet ne peut etre annule.",
                               "sw": "Tiketi hii haiwezi kughairiwa."},
    "airtime-amount-not-payable": {
        # A USSD error line (32 characters): the pay menu right below offers M-Pesa.
        "en": "Not payable by airtime. M-Pesa?",
        "fr": "Pas payable par crédit. M-Pesa?",
        "sw": "Haiwezekani kwa salio. M-Pesa?",
    },
    "order-state": {"en": "This order cannot be changed now.", "fr": "Cette commande ne peut plus changer.",
                    "sw": "Oda hii haiwezi kubadilishwa sasa."},
}

# SMS replies kept in their own file (fare classes, PAY, HISTORY, RESEND): same catalogue.
from channels.sms.texts import SMS_TEXTS  # noqa: E402

TEXTS.update(SMS_TEXTS)

MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    "fr": "jan fev mar avr mai jun jul aou sep oct nov dec".split(),
    "sw": "Jan Feb Mac Apr Mei Jun Jul Ago Sep Okt Nov Des".split(),
}


def lang_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def t(key: str, language: str | None, **values) -> str:
    """The text ``key`` in ``language`` (English when missing), values made GSM-7 safe."""
    entry = TEXTS[key]
    template = entry.get(lang_or_default(language)) or entry["en"]
    return template.format(**{k: gsm7(str(v)) for k, v in values.items()})


def error_text(error: Exception, language: str | None) -> str:
    """A short localized line for a domain error; a generic apology for anything else."""
    slug = getattr(error, "slug", None)
    entry = ERROR_TEXTS.get(slug or "")
    if entry:
        return entry.get(lang_or_default(language)) or entry["en"]
    return t("error_generic", language)


def short_date(day, language: str | None) -> str:
    """``30 Sep`` / ``30 sep``: the only date shape a small screen needs."""
    return f"{day.day:02d} {MONTHS[lang_or_default(language)][day.month - 1]}"


def gsm7(text: str) -> str:
    """``text`` with every character outside the GSM-7 basic set replaced by a look-alike.

    Accents the alphabet lacks are stripped ("Kisumu Côte" → "Kisumu Cote"); anything
    that has no ASCII form becomes "?" rather than forcing the whole screen into UCS-2.
    """
    out = []
    for ch in text:
        if ch in GSM7_BASIC:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append("".join(c if c in GSM7_BASIC else "?" for c in base) or "?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC for ch in text)


def fold_keyword(text: str) -> str:
    """Upper-case ASCII without accents: how SMS keywords are compared ("Réserver" → "RESERVER")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()

