"""Hand-written sections of the sample corpus (see make-corpus.py): the
troubleshooting guide and air-quality guide of Polar Air, and the procedure
guide, emergency and children's pages and office policies of Bright Smile
Dental. Each entry is (heading, paragraphs). Written for ragdesk's sample
companies and released with ragdesk under its licence (MIT)."""

HVAC_SYMPTOMS = [
    ("The heat pump blows cool air in heating mode", [
        "Air from a heat pump feels cooler than air from a gas furnace: it leaves the vents at 90 to 100°F, below the "
        "temperature of your skin, so it can feel cool even when the system heats normally. Hold a thermometer in the "
        "nearest supply vent; a reading 20 to 30°F above the room temperature is normal.",
        "If the air is at room temperature or colder, check that the thermostat is set to HEAT and not COOL or AUTO with "
        "a low cooling set point. On a new thermostat the O/B setting decides which signal energises the reversing "
        "valve; Polar Air systems use O (energise in cooling). A thermostat set to B runs the heat pump backwards.",
        "Cool air for a few minutes at a time in cold weather is the defrost cycle. If it lasts longer than 15 minutes, "
        "or the outdoor unit is a block of ice, book a service visit."]),
    ("Ice on the outdoor unit", [
        "A thin layer of frost on the outdoor coil in winter is normal and clears with each defrost cycle. A solid block "
        "of ice that covers the coil and the top of the unit is not.",
        "Common causes: the unit sits too low and snow blocks the coil, a gutter drips onto it, or the defrost sensor has "
        "failed. Never chip ice off with a tool: the fins bend and the coil can be punctured. Pour warm (not boiling) "
        "water over the coil with the system switched to EM HEAT, then find where the water came from.",
        "If the unit ices up again within a day with nothing dripping on it, the defrost control or the reversing valve "
        "needs a technician. Most heat pumps show E10 when a defrost cycle did not finish."]),
    ("Water leaking around the furnace", [
        "A high-efficiency furnace makes condensate, a gallon or more a day in winter. Water on the floor usually means "
        "the condensate line or trap is blocked, or the condensate pump has failed.",
        "Check the clear plastic trap on the side of the furnace: if it is full of sludge, turn the furnace off, remove "
        "the trap, rinse it in the sink and refit it with the hoses pushed fully home. A condensate pump whose tank is "
        "full but whose motor does not run needs replacing; it costs about $140 installed.",
        "In summer the water may come from the air conditioner's coil above the furnace instead. A rusty drain pan or a "
        "tripped float switch (E12 on our heat pumps) points there."]),
    ("The system turns on and off every few minutes", [
        "Short cycling wears out the compressor and leaves the house unevenly heated. The most common causes are a dirty "
        "filter, a thermostat mounted near a supply vent or in direct sun, and an oversized system.",
        "Replace the filter first. Then check where the thermostat is: it should be on an inside wall, about five feet "
        "above the floor, away from vents, lamps, kitchens and doors. A furnace that lights, runs for two minutes and "
        "shuts off with the high-limit light flashing is overheating; see the status light codes for your model.",
        "Inverter heat pumps slow down instead of stopping, so on a mild day they run for hours at low speed. That is "
        "normal and the most efficient way for them to run."]),
    ("Loud noises from the outdoor unit", [
        "A whoosh at the start and end of a defrost cycle is the reversing valve and is normal. So is a low hum from the "
        "inverter at low speed.",
        "Rattling usually means a loose panel or a twig in the fan; turn the power off at the disconnect before checking. "
        "Grinding or screeching points to the fan motor bearings. A loud bang or clank when the compressor starts, or a "
        "buzzing with no fan turning, can be a failed capacitor: turn the unit off to protect the compressor and call us.",
        "A hissing that does not stop after a defrost, or a bubbling sound from the line set, can be a refrigerant leak."]),
    ("Some rooms are too hot or too cold", [
        "Uneven temperatures are usually a duct problem, not an equipment problem. Check that every supply vent is open "
        "and not blocked by furniture, and that the return grilles are clear. Closing vents in unused rooms does not save "
        "energy with a modern variable-speed system; it raises the duct pressure and can make the blower louder.",
        "Rooms over a garage or with large windows often need more air than the ducts deliver. A zoning system with "
        "dampers, or a single-zone mini-split for that room, fixes this for good. Our comfort advisor measures the "
        "airflow at each vent during a free home assessment."]),
    ("The thermostat display is blank", [
        "A blank display means the thermostat has lost power. Battery models need new batteries about once a year. Wired "
        "models get 24 volts from the furnace or air handler: check that the furnace door is closed tightly (a safety "
        "switch behind it cuts power when it is open) and that the breaker has not tripped.",
        "If the furnace has power but the thermostat does not, the 3 A fuse on the control board may have blown, often "
        "after a wire was shorted while someone worked on the thermostat. A technician replaces the fuse and finds the "
        "short."]),
    ("A burning smell when the heat first comes on", [
        "The first time the heat runs in autumn, dust that settled on the heat exchanger or the heat strips burns off. A "
        "dusty smell that fades within an hour is normal.",
        "A smell of hot plastic or electrical burning that does not fade is not: turn the system off at the thermostat and "
        "the breaker and call us. A smell of gas (rotten eggs) means leave the house at once, do not switch anything on or "
        "off, and call the gas utility from outside."]),
    ("The carbon monoxide alarm sounds", [
        "Get everyone out of the house into fresh air and call 911 or the fire department. Do not go back in until they "
        "say it is safe.",
        "A furnace with a cracked heat exchanger, a blocked flue or a disconnected vent pipe can leak carbon monoxide. "
        "After the fire department has cleared the house, do not run the furnace until a technician has inspected it. "
        "We answer carbon monoxide calls as emergencies at any hour, without the after-hours fee."]),
    ("High energy bills in winter", [
        "The usual cause with a heat pump is the backup heat running when it does not need to. Electric heat strips cost "
        "two to three times as much per hour as the heat pump. Large setbacks at night make it worse: when the "
        "thermostat asks for a five-degree recovery in the morning, it brings on the strips.",
        "Keep setbacks to two or three degrees, or use a thermostat with adaptive recovery (the Polar Smart T7 has it). "
        "Check that the outdoor unit is not iced up and that the AUX HEAT light only comes on in the coldest weather."]),
    ("The air conditioner runs but does not cool", [
        "Check the outdoor unit: if its fan is not turning, or it is silent while the indoor blower runs, the outdoor unit "
        "has lost power or its capacitor has failed. Check the breaker and the disconnect switch next to the unit.",
        "If the outdoor unit runs but the air is warm, look at the copper lines at the outdoor unit: the larger line "
        "should feel cold and sweaty. Ice on it, or on the indoor coil, means low airflow or a low charge. Replace the "
        "filter and run FAN only for two hours to thaw the coil before calling us."]),
    ("Humidity is too high in summer", [
        "An oversized air conditioner cools the house quickly and stops before it has removed much moisture, so the "
        "house feels cold and clammy. Variable-speed systems handle this best: they run longer at low speed.",
        "Set the blower to AUTO, not ON: with the fan running all the time, moisture on the coil evaporates back into the "
        "house between cycles. The DRY mode of our mini-splits and the dehumidify setting of the Polar Smart T7 slow "
        "the blower to pull more moisture out. A whole-house dehumidifier is the answer for basements."]),
    ("Dry air and static shocks in winter", [
        "Heated winter air is dry: below 30% relative humidity skin and sinuses dry out and static shocks become common. "
        "Aim for 35 to 45% in winter, lower in very cold weather so the windows do not sweat.",
        "A bypass or steam humidifier on the furnace adds moisture to the whole house. Replace the water panel of a "
        "bypass humidifier every autumn and close its damper in summer."]),
    ("The furnace will not light", [
        "Check the simple things first: the thermostat is set to HEAT and above the room temperature, the furnace power "
        "switch (it looks like a light switch, near the furnace) is on, the furnace door is closed, and the gas valve "
        "handle is parallel to the pipe.",
        "Then look at the status light through the window in the furnace door and count the flashes; the meaning of each "
        "code is in the owner's manual section for your model. Three failed ignitions lock the furnace out for an hour; "
        "switching the power off for 30 seconds resets it. If it locks out again, the flame sensor usually needs cleaning."]),
    ("Whistling from the vents or the return grille", [
        "Whistling means air is being forced through a gap that is too small: a filter that is too restrictive or "
        "clogged, closed vents, or a return grille that is too small for the system.",
        "High-MERV 1-inch filters (MERV 13 and above) restrict airflow much more than 4-inch media filters of the same "
        "rating. If the whistling started after a filter change, try a MERV 8 1-inch filter or ask us about a media "
        "filter cabinet."]),
    ("The outdoor unit runs but the indoor fan does not", [
        "Without the indoor blower the indoor coil freezes in cooling and the system overheats in heating. Turn the "
        "system off at the thermostat.",
        "Check the filter and the furnace door switch. A variable-speed ECM blower that hums but does not turn, or does "
        "not start at all, usually needs its motor module replaced; we carry modules for all Polar Air models on the "
        "trucks."]),
]

HVAC_AIR_QUALITY = [
    ("Choosing a filter: MERV ratings", [
        "MERV (minimum efficiency reporting value) rates how well a filter catches particles, from 1 to 16. MERV 8 "
        "catches dust, pollen and mould spores; MERV 11 adds pet dander and fine dust; MERV 13 catches most smoke, "
        "bacteria and virus-carrying droplets.",
        "The higher the rating, the more the filter restricts airflow. A 4-inch media filter has four times the surface "
        "of a 1-inch filter, so a MERV 13 media filter restricts less than a MERV 8 pleated 1-inch one. We recommend "
        "MERV 8 for 1-inch slots and MERV 11 to 13 for 4-inch cabinets.",
        "Washable electrostatic filters are rated MERV 4 to 6 at best and lose efficiency as they age; we do not "
        "recommend them."]),
    ("Whole-house humidifiers", [
        "Bypass humidifiers use the furnace's heat to evaporate water from a panel; they cost about $650 installed and "
        "need a new panel each year. Steam humidifiers boil water electrically, work with heat pumps as well as "
        "furnaces, and hold humidity precisely; they cost about $1,400 installed and need the canister cleaned twice a "
        "season in hard-water areas.",
        "Both are controlled by a humidistat that lowers the target as the outdoor temperature falls, so windows do not "
        "fog or drip."]),
    ("UV lights", [
        "An ultraviolet lamp mounted over the indoor coil keeps mould and bacteria from growing on the wet coil and in "
        "the drain pan. It keeps the coil cleaner and the airflow higher, and helps with musty smells at the start of "
        "the cooling season.",
        "A UV lamp does little to clean the air passing by it: air moves past too quickly. The bulb must be replaced "
        "every 12 months even if it still glows, because its UV output fades."]),
    ("Energy recovery ventilators", [
        "Tight modern homes need fresh air. An energy recovery ventilator (ERV) exchanges stale indoor air for outdoor "
        "air through a core that transfers heat and moisture, so the fresh air arrives close to room temperature.",
        "An ERV sized for a 2,000 square foot home moves about 100 cubic feet of air a minute and uses 40 to 80 watts. "
        "Its filters are vacuumed every three months and its core rinsed once a year."]),
    ("Duct cleaning and duct sealing", [
        "Duct cleaning is worth it after a renovation, a rodent problem or mould; otherwise a good filter keeps the ducts "
        "clean. Beware of $99 whole-house offers: a proper cleaning with negative-pressure equipment takes most of a day.",
        "Duct sealing saves more: typical ducts lose 20 to 30% of the air through leaks, much of it into attics and "
        "crawl spaces. We seal accessible joints with mastic and test the leakage before and after."]),
    ("Smart thermostats and energy savings", [
        "A programmable or smart thermostat saves energy only if the schedule matches how you live. Setting the "
        "temperature back 7 to 10°F for eight hours a day saves up to 10% a year on heating and cooling with a furnace; "
        "with a heat pump, keep setbacks small or use adaptive recovery.",
        "The Polar Smart T7 learns how long the house takes to warm up and starts early so it reaches the set point on "
        "time without the backup heat. It also reports the filter's age and sends an alert when a heat pump error code "
        "appears."]),
]

DENTAL_PROCEDURES = {
    "Routine cleaning": [
        "The hygienist checks your gums with a small probe, measuring the pockets around each tooth; healthy pockets are "
        "1 to 3 millimetres deep. Plaque and tartar are removed with an ultrasonic scaler and hand instruments, then "
        "the teeth are polished and flossed.",
        "The dentist then examines your teeth, gums, tongue and throat, including an oral cancer screening, and reviews "
        "any X-rays. Bitewing X-rays are taken once a year, a full set every three to five years."],
    "Deep cleaning (scaling and root planing)": [
        "A deep cleaning is needed when pockets are 4 millimetres or deeper and tartar has built up below the gum line. "
        "One half of the mouth is numbed at a time, so the treatment is split into two visits about a week apart.",
        "Tartar is removed from the root surfaces and the roots are smoothed so the gums can reattach. An antibiotic gel "
        "may be placed in the deepest pockets. We re-measure the pockets six weeks later; most patients then come back "
        "every three or four months for periodontal maintenance instead of every six."],
    "Tooth-colored filling": [
        "After numbing the tooth, the dentist removes the decay, shapes the cavity and bonds composite resin to the tooth "
        "in thin layers, hardening each with a blue curing light. The filling is then shaped and polished to fit your "
        "bite.",
        "Composite fillings are matched to the shade of your tooth and last 7 to 10 years on average. We no longer place "
        "silver amalgam fillings, but we do not replace sound amalgam fillings unless they are failing."],
    "Root canal (front tooth)": [
        "A root canal removes infected or inflamed pulp from inside the tooth. After numbing, a small opening is made in "
        "the back of the tooth, the canal is cleaned and shaped with fine files, disinfected and filled with a rubber-like "
        "material called gutta-percha.",
        "Front teeth usually have a single canal, so the treatment is done in one visit. The tooth may feel tender for a "
        "few days. A front tooth that keeps most of its structure can be restored with a filling; otherwise a crown is "
        "recommended."],
    "Root canal (molar)": [
        "Molars have three or four canals, some curved and narrow, so a molar root canal takes longer and is often split "
        "into two visits with medication placed in the canals between them. The dentist works through an opening in the "
        "top of the tooth with a rubber dam in place to keep it dry.",
        "A molar that has had a root canal is brittle and must be protected with a crown, ideally within a month. Until "
        "then a temporary filling seals the opening; chew on the other side."],
    "Porcelain crown": [
        "At the first visit the tooth is numbed and shaped, a digital scan is taken and a temporary crown is cemented. "
        "The lab makes the porcelain crown in about two weeks. At the second visit the temporary is removed and the "
        "permanent crown is checked for fit and colour and cemented.",
        "A crown covers the whole visible tooth and is used after a root canal, for a cracked tooth or to replace a very "
        "large filling. Porcelain crowns last 10 to 15 years with good care."],
    "Simple extraction": [
        "A simple extraction removes a tooth that is fully visible in the mouth. After numbing, the dentist loosens the "
        "tooth with an instrument called an elevator and removes it with forceps. You feel pressure but no pain.",
        "A blood clot forms in the socket and must not be disturbed: no straws, no smoking and no vigorous rinsing for 48 "
        "hours. If a throbbing pain starts two to four days later, the clot may have come out (dry socket); call us and "
        "we place a soothing dressing."],
    "Wisdom tooth removal": [
        "Wisdom teeth that are impacted, partly erupted or decayed are removed before they damage the neighbouring "
        "molars. A panoramic X-ray or a 3D scan shows how close the roots are to the nerve.",
        "Most patients choose IV sedation and remember little of the procedure. Swelling peaks on the second or third "
        "day; ice packs on the cheek, 20 minutes on and 20 off, help during the first day. Stitches dissolve within a "
        "week."],
    "Dental implant": [
        "An implant replaces a missing tooth's root with a titanium post. At the first visit a 3D scan plans the "
        "position. The post is placed under local anesthesia in about an hour, then the bone grows onto it over three "
        "to six months.",
        "At the second visit an abutment is attached, and at the third the porcelain crown. Where the bone is too thin, a "
        "bone graft is placed first, adding three to four months. Implants have a success rate above 95% over ten "
        "years; smoking and uncontrolled diabetes lower it."],
    "In-office whitening": [
        "The gums are covered with a protective gel, and a 25 to 40% hydrogen peroxide gel is applied to the teeth in "
        "three 15-minute rounds under a light. Most patients see their teeth lighten by four to eight shades in one "
        "visit.",
        "Whitening does not change the colour of fillings, crowns or veneers. Touch-up trays keep the result; without "
        "them it fades slowly over one to three years, faster for coffee and tea drinkers."],
    "Take-home whitening trays": [
        "We take a scan of your teeth and make thin custom trays that fit closely. You fill them with a 10 to 16% "
        "carbamide peroxide gel and wear them at home.",
        "The result after two weeks is close to in-office whitening, with less sensitivity. Keep the trays: a few "
        "nights of touch-up each year keep the shade."],
    "Invisalign clear aligners": [
        "Invisalign straightens teeth with a series of clear plastic aligners, each moving the teeth a fraction of a "
        "millimetre. A 3D scan plans every step and shows you the final result before treatment starts. Small tooth-"
        "coloured attachments are bonded to some teeth to help the aligners grip.",
        "Treatment takes 6 to 18 months with a check-up every six to eight weeks. Afterwards a retainer is worn every "
        "night to keep the teeth from moving back."],
    "Night guard": [
        "A night guard protects teeth from grinding and clenching (bruxism), which wears down enamel, cracks teeth and "
        "causes morning jaw pain and headaches. We scan your teeth at the first visit and fit the hard acrylic guard at "
        "the second.",
        "Bring the guard to your cleanings so we can check it. Store-bought boil-and-bite guards are softer, and some "
        "patients chew on them, which can make clenching worse."],
    "Sealants (per tooth)": [
        "A sealant is a thin plastic coating painted into the grooves of the back teeth, where most cavities in children "
        "start. The tooth is cleaned, etched, rinsed, dried, and the sealant is painted on and hardened with a light. "
        "There is no drilling and no numbing.",
        "Sealants are recommended for children's permanent molars as soon as they come in, around age 6 and again "
        "around age 12."],
    "Fluoride varnish": [
        "Fluoride varnish is painted on the teeth in under a minute and hardens on contact with saliva. It strengthens "
        "the enamel and can reverse the earliest stage of decay.",
        "We recommend it twice a year for children and for adults at higher risk of decay: dry mouth from medication, "
        "exposed roots, or braces."],
    "Emergency exam": [
        "An emergency exam looks at one problem: a toothache, a broken tooth, swelling or an injury. It includes the X-"
        "rays needed to diagnose it and a plan with prices for each option.",
        "Where possible we treat the problem at the same visit, or at least relieve the pain, for example by draining an "
        "abscess or starting a root canal."],
    "Veneers (per tooth)": [
        "Porcelain veneers are thin shells bonded to the front of the teeth to change their shape, colour or length. "
        "About half a millimetre of enamel is removed, a scan is taken, and temporary veneers are worn while the lab "
        "makes the porcelain ones.",
        "At the second visit you see the veneers in place before they are bonded. Veneers last 10 to 20 years. Because "
        "enamel is removed, the treatment cannot be undone."],
    "Dentures (full set)": [
        "Full dentures replace all the teeth of an arch. Over four visits we take impressions, record your bite, try in "
        "a wax model so you can see and approve the look, and fit the finished dentures.",
        "It takes a few weeks to get used to speaking and eating with new dentures. Adjustments in the first month are "
        "included. The gums shrink over time, so dentures need relining every few years; implant-retained dentures stay "
        "in place much better."],
}

DENTAL_EMERGENCIES = [
    ("A knocked-out tooth", [
        "Pick the tooth up by the crown (the white part), not the root. If it is dirty, rinse it briefly in milk or "
        "water; do not scrub it. Try to put it back into the socket and bite on a cloth to hold it. If that is not "
        "possible, keep it in milk or inside your cheek.",
        "Come in within an hour: teeth replanted within 30 to 60 minutes have the best chance of surviving. Baby teeth "
        "are not put back in."]),
    ("A broken or chipped tooth", [
        "Rinse your mouth with warm water and keep any pieces in milk. A cold compress on the cheek reduces swelling. "
        "Cover a sharp edge with sugar-free gum or dental wax.",
        "A small chip is repaired with bonding at a regular appointment. A break that shows pink or red in the middle, "
        "or that hurts, has reached the nerve and needs to be seen the same day."]),
    ("Severe toothache", [
        "Rinse with warm water and floss gently to remove anything stuck between the teeth. Ibuprofen with "
        "acetaminophen, taken as directed on the packets, relieves most dental pain better than opioids. Do not put "
        "aspirin on the gum: it burns the tissue.",
        "A toothache that wakes you at night or throbs for more than a few minutes after hot drinks usually means the "
        "nerve is inflamed; book the next emergency slot."]),
    ("Swelling of the face or jaw", [
        "Swelling with a toothache is usually an abscess, an infection at the root of a tooth. Call us the same day: it "
        "needs draining and often a root canal or an extraction, and sometimes antibiotics.",
        "Go to the emergency room at once if the swelling spreads to the eye or the neck, if you have difficulty "
        "swallowing or breathing, or a high fever."]),
    ("A lost filling or crown", [
        "Keep the crown and bring it with you; it can often be cemented back. Until the visit, dental cement from the "
        "pharmacy holds a crown in place temporarily. Never use household glue.",
        "A lost filling leaves the tooth sensitive but is rarely urgent; we see you within a few days."]),
    ("Bleeding after an extraction", [
        "Some oozing for the first 24 hours is normal. Fold a clean gauze pad, place it over the socket and bite firmly "
        "for 30 minutes without checking. A moistened black tea bag works well: the tannin helps the blood clot.",
        "Call us if bleeding is still heavy after two rounds of pressure, or the on-call dentist after hours."]),
    ("Braces and aligner problems", [
        "A poking wire can be pushed flat with the eraser end of a pencil or covered with orthodontic wax. A broken "
        "bracket is not an emergency; call to book a repair.",
        "If an Invisalign aligner cracks, move to the next tray if you are within a few days of switching, or back to "
        "the previous one, and call us for a replacement."]),
]

DENTAL_CHILDREN = [
    ("Your child's first visit", [
        "We recommend the first visit by the first birthday or within six months of the first tooth. It is short and "
        "friendly: a look at the teeth on a parent's lap, a gentle cleaning if needed, fluoride varnish and advice on "
        "brushing and diet.",
        "Children's visits are on weekday afternoons and Saturday mornings so school is not missed."]),
    ("Teething", [
        "Most babies get their first tooth between 6 and 10 months. A cold (not frozen) teething ring and gentle gum "
        "massage help. Teething can cause drooling and fussiness but not a high fever; a fever over 101°F has another "
        "cause.",
        "Do not use numbing gels with benzocaine for children under two."]),
    ("Brushing at each age", [
        "From the first tooth, brush twice a day with a smear of fluoride toothpaste the size of a grain of rice. From "
        "age three, use a pea-sized amount. Children need help brushing until about age eight, when they can tie "
        "their own shoelaces.",
        "Start flossing when two teeth touch. Floss picks are easier for small hands."]),
    ("Thumb sucking and pacifiers", [
        "Most children stop on their own between two and four. Sucking that continues after the permanent front teeth "
        "come in, around age six, can push them forward and narrow the upper jaw.",
        "Praise for not sucking works better than scolding. We can talk to your child at a visit; children often listen "
        "to the dentist more than to their parents."]),
    ("Sports mouthguards", [
        "Children who play contact sports, basketball, skateboarding or martial arts should wear a mouthguard. A custom "
        "guard costs $150 and fits much better than a store-bought one, so children actually keep it in.",
        "Bring braces into the discussion: a guard for braces must leave room for the teeth to move."]),
    ("Baby teeth matter", [
        "Baby teeth hold the space for the permanent teeth and help children chew and speak. A decayed baby tooth can "
        "hurt and get infected like a permanent one, and the infection can damage the permanent tooth beneath it.",
        "Cavities in baby teeth are filled; when a baby tooth is lost early, a space maintainer keeps the gap open."]),
]

DENTAL_OFFICE = [
    ("Opening hours", [
        "Bright Smile Dental is open Monday to Thursday from 7:30 am to 6 pm, Friday from 7:30 am to 3 pm and the first "
        "and third Saturday of each month from 8 am to 1 pm. We are closed on public holidays.",
        "Emergency slots are kept every weekday morning. After hours, the emergency line forwards to the on-call "
        "dentist."]),
    ("Booking and reminders", [
        "Book online, by phone or at the front desk. We send a reminder by text and e-mail three days before the "
        "appointment and again the day before; reply C to confirm.",
        "New patients receive a link to the health questionnaire with the confirmation. Completing it before the visit "
        "saves about 15 minutes in the waiting room."]),
    ("Late arrivals", [
        "If you arrive more than 15 minutes late, we may need to shorten or reschedule the appointment so the next "
        "patient is not kept waiting. Call us if you are running late; we often can still see you."]),
    ("Payment", [
        "Payment for your share is due at the visit. We accept cash, all major credit and debit cards, Apple Pay, "
        "Google Pay, HSA and FSA cards, and CareCredit. Cheques are not accepted.",
        "For treatments over $1,000 we ask for half at the first visit and the rest at completion. Estimates are valid "
        "for 90 days."]),
    ("Dental records and X-rays", [
        "We send your records and X-rays to another dentist free of charge within five business days of a signed "
        "request. Copies for you are provided electronically at no charge.",
        "Records are kept for ten years after the last visit, and for minors until age 28."]),
    ("Privacy", [
        "Your health information is protected under HIPAA. We share it only with your insurer, specialists you are "
        "referred to, and people you authorise in writing. The front desk never discusses treatment in the waiting "
        "room.",
        "You may ask for a list of everyone we have shared your information with in the last six years."]),
    ("Accessibility", [
        "The office is on the ground floor with step-free access, two accessible parking spaces and an accessible "
        "restroom. Treatment room 3 fits a wheelchair beside the chair, and we can transfer patients with a sliding "
        "board.",
        "Tell us about hearing, vision or mobility needs when booking and we will plan a longer appointment."]),
    ("Dental anxiety", [
        "Many of our patients are nervous about dental visits. Tell us when you book: we schedule extra time, explain "
        "each step before we do it, and agree on a hand signal to stop at any moment.",
        "Nitrous oxide (laughing gas) is available for $60 per visit and wears off within minutes, so you can drive "
        "home. Oral sedation and IV sedation are available for longer treatments."]),
]

# Per treatment: how long it lasts, the alternatives, pregnancy, children, how often.
DENTAL_TREATMENT_FACTS = {
    "Routine cleaning": ("The result lasts until plaque builds up again, which is why we see you every six months.",
                         "There is no real alternative; brushing and flossing cannot remove hardened tartar.",
                         "Yes: cleanings are safe and recommended during pregnancy, when gums bleed more easily.",
                         "Children have cleanings from their first visit, usually by age one.", "every six months"),
    "Deep cleaning (scaling and root planing)": (
        "The gums usually stay healthy for years if you keep up periodontal maintenance every three or four months.",
        "Left untreated, gum disease loosens the teeth. In advanced cases gum surgery is the alternative.",
        "Yes, ideally in the second trimester; pregnancy gingivitis often makes it more urgent.",
        "Rarely needed in children; teenagers with braces sometimes need it.", "once, then maintenance visits"),
    "Tooth-colored filling": ("Seven to ten years on average, longer for small fillings.",
                              "A crown for large cavities, or an inlay made by the lab.",
                              "Yes, with local anesthesia, which is safe in pregnancy.",
                              "Yes: children's cavities in baby and permanent teeth are filled the same way.", "only when a cavity is found"),
    "Root canal (front tooth)": ("A treated tooth can last a lifetime if it is restored well.",
                                 "The alternative is extracting the tooth and replacing it with an implant or a bridge.",
                                 "Yes, when the tooth hurts or is infected; an infection is riskier than the treatment.",
                                 "Baby teeth get a simpler treatment called a pulpotomy.", "once per tooth"),
    "Root canal (molar)": ("A treated molar with a crown can last a lifetime.",
                           "Extraction, then an implant or a bridge to fill the gap.",
                           "Yes, when needed; we avoid elective X-rays and use a lead apron.",
                           "Children's molars with deep decay usually get a pulpotomy instead.", "once per tooth"),
    "Porcelain crown": ("Ten to fifteen years; many last much longer.", "An onlay covers only part of the tooth and keeps more of it.",
                        "We prefer to wait until after the birth unless the tooth is broken or painful.",
                        "Children get stainless steel crowns on baby molars instead.", "once, replaced when worn"),
    "Simple extraction": ("Permanent; the gap should be replaced to keep the neighbouring teeth from tipping.",
                          "A root canal or a crown can often save the tooth.",
                          "Yes, when needed; the second trimester is the best time.",
                          "Baby teeth are extracted when they do not fall out on their own or are badly decayed.", "only when needed"),
    "Wisdom tooth removal": ("Permanent.", "Monitoring with X-rays every year or two if the teeth cause no problems.",
                             "We postpone it until after pregnancy unless there is an infection.",
                             "Usually done between 16 and 22, when the roots are not yet fully formed.", "once"),
    "Dental implant": ("Decades; the crown on top may need replacing after 15 years.", "A bridge or a partial denture.",
                       "We do not place implants during pregnancy; the planning can start.",
                       "Not until the jaw has stopped growing, around 18 for girls and 21 for boys.", "once per missing tooth"),
    "In-office whitening": ("One to three years, longer with touch-up trays.", "Take-home trays are cheaper and gentler.",
                            "No: we postpone whitening until after pregnancy and breastfeeding.",
                            "Not before age 16, when the teeth are fully formed.", "every year or two if you like"),
    "Take-home whitening trays": ("The trays last for years; the whitening lasts one to three years with touch-ups.",
                                  "In-office whitening works faster.", "No: wait until after pregnancy and breastfeeding.",
                                  "Not before age 16.", "touch-ups a few nights a year"),
    "Invisalign clear aligners": ("Results last as long as you wear your retainer at night.",
                                  "Traditional braces, which suit complex cases better.",
                                  "You can continue treatment during pregnancy; we pause new X-rays.",
                                  "Invisalign Teen suits most teenagers once the permanent teeth are in.", "one course of treatment"),
    "Night guard": ("Three to five years, less for heavy grinders.", "A soft guard or Botox for the jaw muscles.",
                    "Yes, a guard is safe at any time.", "Rarely needed before the permanent teeth are in.", "replaced when worn through"),
    "Sealants (per tooth)": ("Up to ten years.", "Fluoride varnish alone protects less well.", "Yes.",
                             "Yes: sealants are meant for children's molars.", "once, repaired if chipped"),
    "Fluoride varnish": ("A few months; that is why it is repeated.", "Prescription fluoride toothpaste.",
                         "Yes, it is safe in pregnancy.", "Yes, from the first tooth.", "twice a year"),
    "Emergency exam": ("It is a one-time visit for one problem.", "Calling the emergency line for advice first.",
                       "Yes: tell us you are pregnant when you call.", "Yes, children are seen the same day.", "when needed"),
    "Veneers (per tooth)": ("Ten to twenty years.", "Bonding costs less but stains and chips more easily.",
                            "We postpone cosmetic work until after pregnancy.", "Not before the late teens.", "once, replaced when worn"),
    "Dentures (full set)": ("Five to eight years, with relines every few years.", "Implant-retained dentures or implant bridges.",
                            "Yes, dentures can be made during pregnancy.", "Not used for children.", "once, relined as needed"),
}

DENTAL_CONDITIONS = [
    ("Diabetes", [
        "Gum disease and diabetes make each other worse: uncontrolled blood sugar speeds up gum disease, and treating gum "
        "disease helps lower HbA1c. Patients with diabetes should have cleanings every three or four months.",
        "Eat as usual before your appointment and bring your glucose meter; morning appointments are best."]),
    ("Blood thinners", [
        "Do not stop warfarin, apixaban, rivaroxaban or aspirin before dental work unless your doctor tells you to. We "
        "control bleeding locally with stitches and packing.",
        "For warfarin we ask for an INR taken within 24 hours of an extraction; below 3.5 we can usually go ahead."]),
    ("Heart conditions and antibiotics before treatment", [
        "Patients with an artificial heart valve, a history of infective endocarditis, certain congenital heart defects or "
        "a heart transplant take an antibiotic one hour before cleanings and extractions.",
        "Most other heart conditions, stents and pacemakers do not need antibiotics. Bring a list of your medications to "
        "every visit."]),
    ("Joint replacements", [
        "Current guidelines do not recommend routine antibiotics before dental work for patients with hip or knee "
        "replacements. Your orthopaedic surgeon may still ask for them in the first months after surgery."]),
    ("Osteoporosis medication", [
        "Bisphosphonates such as alendronate, and denosumab injections, carry a small risk of poor jaw healing after "
        "extractions and implants. Tell us if you take them: we plan extractions carefully and may prefer a root canal.",
        "Routine cleanings and fillings are not affected."]),
    ("Pregnancy", [
        "Dental care is safe and important during pregnancy. Hormones make the gums bleed and swell more easily, and "
        "morning sickness exposes the teeth to acid: rinse with water and baking soda after vomiting and wait 30 minutes "
        "before brushing.",
        "Local anesthetics are safe. We postpone elective X-rays, whitening and cosmetic work until after the birth."]),
    ("Dry mouth", [
        "More than 400 medications reduce saliva, including many for blood pressure, depression and allergies. Without "
        "saliva, cavities form quickly, especially at the gum line.",
        "Sip water often, chew sugar-free gum with xylitol, and use a prescription fluoride toothpaste. We see patients "
        "with dry mouth every four months."]),
    ("Cancer treatment", [
        "Have a dental check-up before radiation to the head or neck, or before chemotherapy: infected teeth are treated "
        "first because healing is slower afterwards.",
        "During treatment we see you more often, with fluoride trays and gentle cleanings."]),
]

DENTAL_LOCATIONS = [
    # name, address, parking, transit, extra services
    ("Riverside", "214 River Road, Suite 3", "free parking behind the building", "bus 12 stops at the door",
     "implants, IV sedation and Saturday hours"),
    ("Old Town", "9 Market Square, first floor", "the Market Street garage, two hours validated", "five minutes' walk from Central station",
     "Invisalign and cosmetic dentistry"),
    ("Hillcrest", "1502 Hillcrest Avenue", "a free lot with four accessible spaces", "bus 4 and bus 31",
     "children's dentistry with a play corner"),
    ("Lakeside", "77 Shore Drive", "street parking, free after 6 pm", "the Lakeside tram stop",
     "emergency slots every morning and evening hours until 8 pm on Tuesdays"),
]
