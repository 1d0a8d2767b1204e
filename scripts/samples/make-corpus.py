#!/usr/bin/env python3
"""Writes the larger sample corpus the demo's knowledge bases are built from:
owner's manuals with specifications and error codes for Polar Air's heat
pumps and furnaces, and Bright Smile Dental's treatment guide, insurance
guide and aftercare instructions. Written for the sample companies and
released with ragdesk under its licence (MIT).

The facts come from the tables below and are combined the way real manuals
and FAQs are: every model, code and treatment has its own section, so
questions have one clear right answer ("what does E07 mean on the HP-40?",
"how long does a root canal take?"). Deterministic: the same files every run.

    python3 scripts/samples/make-corpus.py      (rewrites scripts/samples/*/generated-*.md)
"""

import os
import random
import sys

sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_prose import (DENTAL_CHILDREN, DENTAL_CONDITIONS, DENTAL_LOCATIONS, DENTAL_TREATMENT_FACTS, DENTAL_EMERGENCIES, DENTAL_OFFICE, DENTAL_PROCEDURES,  # noqa: E402
                          HVAC_AIR_QUALITY, HVAC_SYMPTOMS)

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261123)

# ---------------------------------------------------------------- HVAC --

HEAT_PUMPS = [
    # model, tons, BTU/h, SEER2, HSPF2, refrigerant, filter, breaker A, sound dB, lowest outdoor temp °F
    ("HP-24", 2.0, 24000, 17.2, 8.1, "R-454B", "16x25x1", 20, 56, 5),
    ("HP-30", 2.5, 30000, 17.5, 8.3, "R-454B", "16x25x1", 25, 57, 5),
    ("HP-36", 3.0, 36000, 18.0, 8.5, "R-454B", "20x25x1", 25, 58, 0),
    ("HP-40", 3.5, 42000, 18.4, 8.7, "R-454B", "20x25x1", 30, 58, 0),
    ("HP-48", 4.0, 48000, 19.0, 9.0, "R-454B", "20x25x4", 35, 60, -5),
    ("HP-60", 5.0, 60000, 19.5, 9.2, "R-454B", "20x25x4", 40, 62, -13),
    ("HP-36C", 3.0, 36000, 16.0, 7.8, "R-410A", "20x25x1", 30, 61, 17),
    ("HP-48C", 4.0, 48000, 16.0, 7.8, "R-410A", "20x25x4", 40, 63, 17),
    ("HPX-24", 2.0, 24000, 21.0, 9.5, "R-454B", "16x25x4", 20, 53, -15),
    ("HPX-36", 3.0, 36000, 21.5, 9.6, "R-454B", "20x25x4", 25, 54, -15),
    ("HPX-48", 4.0, 48000, 22.0, 9.8, "R-454B", "20x25x4", 35, 55, -22),
    ("HPX-60", 5.0, 60000, 21.0, 9.5, "R-454B", "20x25x4", 40, 57, -22),
    ("HPD-36", 3.0, 36000, 17.0, 8.2, "R-454B", "20x25x1", 30, 59, 5),
    ("HPD-48", 4.0, 48000, 17.0, 8.2, "R-454B", "20x25x1", 35, 60, 5),
]

FURNACES = [
    # model, input BTU/h, AFUE %, stages, filter, blower
    ("GF-60", 60000, 96, "two-stage", "16x25x1", "variable-speed ECM"),
    ("GF-80", 80000, 96, "two-stage", "16x25x1", "variable-speed ECM"),
    ("GF-100", 100000, 97, "modulating", "20x25x4", "variable-speed ECM"),
    ("GF-120", 120000, 95, "single-stage", "20x25x4", "multi-speed PSC"),
    ("GF-80M", 80000, 98, "modulating", "20x25x4", "variable-speed ECM"),
    ("GF-40L", 40000, 95, "single-stage", "14x25x1", "multi-speed PSC"),
    ("GF-60U", 60000, 80, "single-stage", "16x25x1", "multi-speed PSC"),
    ("GF-100M", 100000, 98, "modulating", "20x25x4", "variable-speed ECM"),
    ("GF-120T", 120000, 96, "two-stage", "20x25x4", "variable-speed ECM"),
]

HP_CODES = [
    ("E01", "Indoor and outdoor units are not communicating", "a loose or damaged communication wire between the units",
     "Turn the system off at the breaker for five minutes, then back on. If the code returns, a technician checks the wiring at both terminal blocks."),
    ("E02", "Outdoor air temperature sensor fault", "a disconnected or failed ambient sensor",
     "The unit keeps running on default values. Book a visit: the sensor is replaced in about 30 minutes."),
    ("E03", "Outdoor coil sensor fault", "a failed coil thermistor, often after ice damage",
     "Defrost cycles run on a timer until the sensor is replaced."),
    ("E04", "Discharge temperature too high", "low refrigerant charge or a blocked outdoor coil",
     "Clear leaves and debris from the outdoor coil and check that nothing blocks the airflow within 24 inches. If the code returns within a day, the charge must be checked."),
    ("E05", "High pressure switch open", "a dirty outdoor coil in cooling, or a dirty indoor filter in heating",
     "Replace the indoor filter and rinse the outdoor coil gently with a garden hose. The unit retries after 15 minutes."),
    ("E06", "Low pressure switch open", "a refrigerant leak or a frozen indoor coil",
     "Switch the system to FAN only for two hours to thaw the coil. A low charge means a leak, which a technician must find and repair."),
    ("E07", "Compressor overload protection", "low voltage, a failing capacitor or an overheated compressor",
     "Leave the unit off for 30 minutes so the compressor cools down. Repeated E07 codes usually mean a weak capacitor."),
    ("E08", "Inverter board overheating", "a blocked heat sink or a failed board fan",
     "Check that the service panel vents are clear. If it returns, the inverter board fan is replaced."),
    ("E09", "Outdoor fan motor fault", "a seized fan motor or a stick in the fan blades",
     "Turn the power off and check that the fan turns freely by hand. Do not run the unit with the fan stopped."),
    ("E10", "Defrost cycle did not finish", "heavy ice on the outdoor coil or a failed reversing valve",
     "Make sure the unit sits at least 3 inches above snow and that gutters do not drip onto it."),
    ("E11", "Indoor coil freeze protection", "a dirty filter, closed supply vents or low airflow",
     "Replace the filter and open every supply vent. Run FAN only until the coil thaws."),
    ("E12", "Condensate overflow switch tripped", "a clogged condensate drain line",
     "Pour one cup of white vinegar into the drain line access port and wait 30 minutes. The switch resets when the pan drains."),
    ("E13", "Power supply voltage out of range", "a brown-out or a loose line-voltage connection",
     "Wait for utility power to stabilise. If the code persists, an electrician checks the disconnect and the breaker."),
    ("E14", "Reversing valve stuck", "a failed valve coil or debris in the valve",
     "The unit locks out heating to protect the compressor. A technician replaces the coil or the valve."),
    ("E15", "Thermostat signal lost", "a thermostat with dead batteries or a loose wire at the air handler",
     "Replace the thermostat batteries and check that the thermostat display is on."),
    ("E16", "Refrigerant leak detected", "the leak detection sensor found refrigerant in the indoor unit",
     "The system stops and runs the indoor fan to clear the refrigerant. Open a window, do not restart the unit, and call for service."),
]

FURNACE_CODES = [
    ("1 flash", "Ignition lockout", "three failed ignition attempts, often a dirty flame sensor",
     "Reset power to the furnace. If it locks out again, the flame sensor is cleaned or replaced."),
    ("2 flashes", "Pressure switch stuck closed", "a shorted switch or a wiring fault", "A technician replaces the pressure switch."),
    ("3 flashes", "Pressure switch did not close", "a blocked vent pipe, a frozen condensate line or a failed inducer motor",
     "Check the outside vent pipes for snow, ice or bird nests."),
    ("4 flashes", "High limit switch open", "a dirty filter or closed vents causing overheating",
     "Replace the filter and open the supply vents, then let the furnace cool for 15 minutes."),
    ("5 flashes", "Flame sensed with the gas valve closed", "a gas valve that leaks through",
     "Turn off the gas to the furnace and call for service right away."),
    ("6 flashes", "Rollout switch open", "flames rolling out of the burner area, usually a blocked heat exchanger",
     "Do not reset the rollout switch yourself. Call for an inspection of the heat exchanger."),
    ("7 flashes", "Weak flame signal", "a dirty flame sensor or poor grounding", "The flame sensor is cleaned during the annual tune-up."),
    ("8 flashes", "Blower motor fault", "a failed ECM motor module or a seized blower wheel", "A technician tests the motor and module."),
]

MINI_SPLITS = [
    # model, BTU/h, zones, SEER2, room size sq ft
    ("MS-9", 9000, 1, 24.0, 400), ("MS-12", 12000, 1, 23.0, 550), ("MS-18", 18000, 1, 21.5, 800),
    ("MS-24", 24000, 1, 20.0, 1100), ("MZ-2-18", 18000, 2, 20.5, 900), ("MZ-3-27", 27000, 3, 19.5, 1300),
    ("MZ-4-36", 36000, 4, 19.0, 1700), ("MZ-5-48", 48000, 5, 18.5, 2300),
    ("CS-12", 12000, 1, 20.0, 550), ("CS-18", 18000, 1, 19.5, 800), ("CS-24", 24000, 1, 19.0, 1100),
    ("FL-12", 12000, 1, 21.0, 550), ("FL-18", 18000, 1, 20.0, 800), ("MZ-2-24", 24000, 2, 20.0, 1100),
]

THERMOSTATS = [
    # model, type, power, wires
    ("Polar Touch T5", "programmable touchscreen", "two AA batteries or a C wire", "R, C, W1, Y1, G, O/B"),
    ("Polar Smart T7", "Wi-Fi smart", "a C wire (an adapter is included)", "R, C, W1, W2, Y1, Y2, G, O/B"),
    ("Polar Basic T2", "non-programmable", "two AAA batteries", "R, W, Y, G"),
    ("Polar Zone Z4", "four-zone controller", "a 24 V transformer", "R, C and one damper pair per zone"),
]

WATER_HEATERS = [
    # model, gallons, fuel, first-hour rating, recovery gal/h, warranty years
    ("WH-40G", 40, "gas", 72, 40, 6), ("WH-50G", 50, "gas", 86, 43, 6), ("WH-50E", 50, "electric", 62, 21, 6),
    ("WH-65HP", 65, "heat pump", 75, 16, 10), ("WH-80HP", 80, "heat pump", 87, 19, 10), ("TW-199", 0, "tankless gas", 0, 0, 12),
    ("WH-30G", 30, "gas", 58, 32, 6), ("WH-40E", 40, "electric", 54, 21, 6), ("WH-75G", 75, "gas", 120, 70, 8),
    ("TW-160", 0, "tankless gas", 0, 0, 12),
]

TOWNS = ["Ashford", "Brookvale", "Cedar Falls", "Dunmore", "Eastfield", "Fairhaven", "Glenwood", "Harlow", "Iverson",
         "Juniper Bay", "Kingsley", "Lakeview", "Maple Ridge", "Northgate", "Oakdale", "Pinecrest"]


def error_codes(out, model, table, n, heading="error codes"):
    """Appends `n` codes of `table` (drawn for this model, in code order) under `model`."""
    out.append(f"\n### {model}: {heading}\n")
    codes = sorted(rng.sample(table, n)) if n < len(table) else table
    for code, meaning, cause, fix in codes:
        out.append(f"\n**{code} on the {model}: {meaning}.** Usual cause: {cause}. {fix}\n")


def hvac_manuals():
    out = ["# Polar Air Heating & Cooling: owner's manuals\n",
           "Owner's manuals for the heat pumps and gas furnaces Polar Air installs and services. Each model has its "
           "specifications, operating notes, maintenance schedule and error codes.\n"]
    for (m, tons, btu, seer, hspf, ref, filt, amp, db, low) in HEAT_PUMPS:
        out.append(f"\n## {m} heat pump\n")
        out.append(f"The {m} is a {tons}-ton ({btu:,} BTU/h) inverter heat pump rated {seer} SEER2 and {hspf} HSPF2. "
                   f"It uses {ref} refrigerant and heats down to {low}°F outdoors before the backup heat strips take over. "
                   f"It needs a dedicated {amp} A breaker and runs at {db} dB at full speed, about as loud as a normal conversation.\n")
        out.append(f"\n### {m}: filter and maintenance\n")
        out.append(f"The {m} air handler takes a {filt} filter. Replace a 1-inch filter every 1 to 3 months and a 4-inch "
                   f"media filter every 6 to 12 months. Keep 24 inches clear around the outdoor unit and rinse its coil "
                   f"each spring. A professional tune-up once a year keeps the {seer} SEER2 rating and the warranty valid.\n")
        warranty = 10 if ref == "R-454B" else 5
        out.append(f"\n### {m}: warranty\n")
        out.append(f"The {m} carries a {warranty}-year parts warranty and a {warranty + 2}-year compressor warranty when "
                   f"registered within 60 days of installation. Labor is covered for the first year.\n")
        out.append(f"\n### {m}: installation requirements\n")
        pad = "36 x 36" if tons <= 3 else "42 x 42"
        out.append(f"The {m} outdoor unit sits on a {pad} inch composite pad raised at least 3 inches above the ground, "
                   f"or on wall brackets in areas with more than a foot of snow. Allow 12 inches from the wall behind it, "
                   f"24 inches at the service side and 60 inches above the fan. The line set may be up to "
                   f"{int(tons * 25 + 25)} feet long with a 30-foot rise; the factory charge covers the first 15 feet. A "
                   f"disconnect switch within sight of the unit is required by code.\n")
        out.append(f"\n### {m}: heating in cold weather\n")
        out.append(f"Down to {low}°F the {m} heats on its own. Below that the thermostat brings on the backup heat "
                   f"strips (or the furnace, in a dual-fuel system), and the display shows AUX or EM HEAT. Steam rising "
                   f"from the outdoor unit in winter is normal: it is the defrost cycle, which runs for 2 to 10 minutes "
                   f"whenever ice builds up on the coil. During defrost the indoor fan slows down so the air from the "
                   f"vents does not feel cold.\n")
        error_codes(out, m, HP_CODES, 11)
    for (m, btu, zones, seer, area) in MINI_SPLITS:
        zone_text = "a single room" if zones == 1 else f"up to {zones} rooms, each with its own indoor head"
        out.append(f"\n## {m} ductless mini-split\n")
        out.append(f"The {m} delivers {btu:,} BTU/h for {zone_text} and is rated {seer} SEER2. It suits about {area:,} "
                   f"square feet in total. Clean the washable indoor filters every two weeks in heavy use; the remote's "
                   f"FILTER light reminds you after 250 hours.\n")
        out.append(f"\n### {m}: remote control modes\n")
        out.append(f"The {m} remote has five modes. AUTO picks heating or cooling to hold the set point; COOL and HEAT "
                   f"hold one mode; DRY runs the compressor slowly to pull moisture out without chilling the room; FAN "
                   f"moves air only. Press SLEEP at night and the {m} lets the set point drift 2°F over two hours and "
                   f"runs its fan at the quietest speed. The I FEEL button uses the remote's own thermometer instead of "
                   f"the one in the indoor head, which helps when the head is mounted high on a warm wall.\n")
        out.append(f"\n### {m}: installation\n")
        lineset = 50 if btu <= 12000 else 82 if zones == 1 else 25 * zones + 50
        out.append(f"The {m} outdoor unit allows up to {lineset} feet of total line set; longer runs need extra "
                   f"refrigerant added on site. Each indoor head needs a 3-inch wall opening sloped to the outside for the "
                   f"condensate line, at least 6 inches of clearance above the head and 7 feet from the floor to the "
                   f"bottom of the head. A condensate pump is fitted where the line cannot drain by gravity.\n")
        error_codes(out, m, HP_CODES, len(HP_CODES))
    for m, kind, power, wires in THERMOSTATS:
        out.append(f"\n## {m} thermostat\n")
        out.append(f"The {m} is a {kind} thermostat powered by {power}. Terminals: {wires}.\n")
        out.append(f"\n### {m}: resetting\n")
        out.append(f"To reset the {m} to factory settings, hold MENU and the down arrow for 10 seconds until the display "
                   f"blanks. Your schedule is erased; the heat pump setting (O/B) must be set again.\n")
        out.append(f"\n### {m}: blank display\n")
        out.append(f"A blank {m} display usually means the power is gone: replace the batteries or check the furnace "
                   f"door switch and the 3 A fuse on the control board.\n")
    for m, gallons, fuel, fhr, recovery, warranty in WATER_HEATERS:
        out.append(f"\n## {m} water heater\n")
        if gallons == 0:
            out.append(f"The {m} is a {fuel} water heater that heats on demand, up to 11 gallons a minute with a 35°F "
                       f"rise. Flush it with vinegar once a year in hard-water areas. Warranty: {warranty} years on the "
                       f"heat exchanger.\n")
            continue
        out.append(f"The {m} is a {gallons}-gallon {fuel} water heater with a first-hour rating of {fhr} gallons and a "
                   f"recovery of {recovery} gallons an hour. Drain a few gallons every six months to clear sediment and "
                   f"check the anode rod every three years. Warranty: {warranty} years on the tank.\n")
    for (m, btu, afue, stages, filt, blower) in FURNACES:
        out.append(f"\n## {m} gas furnace\n")
        out.append(f"The {m} is a {stages} condensing gas furnace with {btu:,} BTU/h input and {afue}% AFUE, so "
                   f"{afue} cents of every dollar of gas become heat. It has a {blower} blower and takes a {filt} filter.\n")
        pipe = 2 if btu <= 80000 else 3
        out.append(f"\n### {m}: venting and combustion air\n")
        if afue >= 90:
            out.append(f"The {m} vents through {pipe}-inch PVC pipe, up to {60 if pipe == 2 else 90} equivalent feet each "
                       f"for intake and exhaust (every 90° elbow counts as 5 feet). Keep the outside terminations 12 "
                       f"inches above the expected snow line and at least 4 feet from windows and doors. The {m} makes "
                       f"about {btu // 40000 + 1} gallons of slightly acidic condensate a day in winter; it drains to a "
                       f"floor drain or a condensate pump, never onto the ground outside where it can freeze.\n")
        else:
            out.append(f"The {m} is a non-condensing furnace and vents into a lined masonry chimney or a Type B metal vent "
                       f"of at least 4 inches. It draws combustion air from the room, so the furnace closet needs louvered "
                       f"doors or two vent openings of 100 square inches each.\n")
        out.append(f"\n### {m}: annual tune-up checklist\n")
        out.append(f"Each autumn the technician cleans the {m}'s flame sensor and burners, checks the gas pressure "
                   f"(3.5 inches water column on natural gas, 10 on propane), measures the temperature rise across the "
                   f"heat exchanger, flushes the condensate trap, tests the limit and rollout switches, checks carbon "
                   f"monoxide at the flue and replaces the {filt} filter. The visit takes about an hour.\n")
        error_codes(out, m, FURNACE_CODES, len(FURNACE_CODES), "status light codes")
    return "".join(out)


def hvac_policies():
    out = ["# Polar Air Heating & Cooling: service policies\n"]
    out.append("\n## Service area\n")
    for i, town in enumerate(TOWNS):
        fee = 0 if i < 8 else 25 + 5 * (i - 8)
        day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"][i % 5]
        out.append(f"\n### {town}\n")
        if fee == 0:
            out.append(f"{town} is inside our core service area: there is no travel fee. Routine maintenance visits in "
                       f"{town} are scheduled on {day}s; repairs are same-day when booked before noon.\n")
        else:
            out.append(f"{town} is in our extended area: a ${fee} travel fee applies to every visit, waived for Comfort Club "
                       f"members. Routine maintenance in {town} is scheduled on {day}s.\n")
    out.append("\n## Hours and emergency service\n")
    out.append("The office is open Monday to Friday from 7 am to 6 pm and Saturday from 8 am to noon. Emergency no-heat "
               "and no-cooling calls are answered 24 hours a day; the after-hours fee is $149 on weekdays and $199 on "
               "weekends and holidays, credited toward the repair.\n")
    out.append("\n## Cancellation\n")
    out.append("Cancel or reschedule at least 4 hours before the appointment window at no charge. A technician who "
               "arrives to a locked property with no one home charges the $89 diagnostic fee.\n")
    out.append("\n## Financing\n")
    for months, apr, minimum in [(12, 0, 1500), (36, 5.99, 3000), (60, 7.99, 5000), (120, 9.99, 10000)]:
        out.append(f"\nInstallations over ${minimum:,} can be financed over {months} months at {apr}% APR, subject to "
                   f"credit approval. There is no prepayment penalty.\n")
    out.append("\n## Comfort Club membership\n")
    out.append("Comfort Club costs $189 a year per system and includes two tune-ups (spring cooling, fall heating), "
               "15% off repairs, priority scheduling, no travel fees and a 2-year guarantee on repairs.\n")
    return "".join(out)


# -------------------------------------------------------------- DENTAL --

TREATMENTS = [
    # name, minutes, price without insurance, visits, anesthesia, aftercare key points
    ("Routine cleaning", 45, 129, 1, "none", "You can eat right away. Floss daily and come back in six months."),
    ("Deep cleaning (scaling and root planing)", 90, 260, 2, "local", "Gums may be sore for two days; rinse with warm salt water three times a day."),
    ("Tooth-colored filling", 40, 185, 1, "local", "Wait until the numbness wears off before chewing, about two hours."),
    ("Root canal (front tooth)", 60, 890, 1, "local", "Take ibuprofen as directed for soreness. A crown is usually needed within a month."),
    ("Root canal (molar)", 90, 1290, 2, "local", "Avoid chewing on that side until the permanent crown is placed."),
    ("Porcelain crown", 75, 1350, 2, "local", "A temporary crown is worn for two weeks; avoid sticky foods like caramel."),
    ("Simple extraction", 30, 225, 1, "local", "Bite on gauze for 30 minutes. Do not drink through a straw for 48 hours."),
    ("Wisdom tooth removal", 60, 495, 1, "local or IV sedation", "Eat soft foods for three days and keep the head raised while sleeping."),
    ("Dental implant", 120, 3900, 3, "local", "The implant heals for three to six months before the crown is attached."),
    ("In-office whitening", 90, 349, 1, "none", "Avoid coffee, red wine and tea for 48 hours; sensitivity fades in a day or two."),
    ("Take-home whitening trays", 30, 249, 1, "none", "Wear the trays 30 minutes a day for two weeks."),
    ("Invisalign clear aligners", 60, 4800, 8, "none", "Wear aligners 22 hours a day and switch trays every two weeks."),
    ("Night guard", 30, 450, 2, "none", "Clean the guard each morning with cool water and a soft brush."),
    ("Sealants (per tooth)", 15, 55, 1, "none", "Sealants last up to ten years; they are checked at each cleaning."),
    ("Fluoride varnish", 10, 40, 1, "none", "Do not brush or eat hard foods for four hours."),
    ("Emergency exam", 30, 95, 1, "none", "The exam fee is credited toward same-day treatment."),
    ("Veneers (per tooth)", 90, 1450, 2, "local", "Avoid biting hard objects such as ice or pens."),
    ("Dentures (full set)", 60, 2900, 4, "none", "Remove dentures at night and soak them in cleanser."),
]

INSURERS = [
    # name, network, cleanings covered, fillings %, major %, annual max
    ("Delta Dental PPO", "in network", 100, 80, 50, 1500),
    ("Cigna DPPO", "in network", 100, 80, 50, 1250),
    ("MetLife PDP", "in network", 100, 80, 50, 1500),
    ("Aetna PPO", "in network", 100, 70, 50, 1000),
    ("Guardian DentalGuard", "in network", 100, 80, 50, 1500),
    ("United Concordia", "in network", 100, 80, 50, 1200),
    ("Humana Dental", "out of network", 80, 60, 40, 1000),
    ("Blue Cross Dental Blue", "in network", 100, 80, 50, 1500),
    ("Ameritas", "out of network", 90, 70, 50, 1250),
    ("Principal", "in network", 100, 80, 50, 1750),
    ("Sun Life", "out of network", 80, 70, 50, 1000),
    ("Medicaid (children under 21)", "in network", 100, 100, 100, 0),
]


def dental_treatments():
    out = ["# Bright Smile Dental: treatment guide\n",
           "What each treatment involves, how long it takes, what it costs without insurance, and how to look after "
           "your teeth afterwards.\n"]
    for name, minutes, price, visits, anesthesia, care in TREATMENTS:
        out.append(f"\n## {name}\n")
        visit_text = "one visit" if visits == 1 else f"{visits} visits"
        anesthesia_text = "No anesthesia is needed." if anesthesia == "none" else f"We use {anesthesia} anesthesia."
        t = name.lower()
        lead = t.capitalize() if t in PLURAL else (f"An {t}" if t[0] in "aeiou" else f"A {t}")
        verb = "take" if t in PLURAL else "takes"
        out.append(f"{lead} {verb} about {minutes} minutes and {'are' if t in PLURAL else 'is'} done in {visit_text}. {anesthesia_text} "
                   f"Without insurance {'they cost' if t in PLURAL else 'it costs'} ${price:,}; see the insurance guide for what your plan covers.\n")
        out.append(f"\n### What happens during {'treatment' if t in PLURAL else 'the appointment'}: {t}\n")
        out.append("\n\n".join(DENTAL_PROCEDURES[name]) + "\n")
        after = f"getting {t}" if t in PLURAL else (f"an {t}" if t[0] in "aeiou" else f"a {t}")
        out.append(f"\n### After {after}\n{care}\n")
    return "".join(out)


PLURAL = {"sealants (per tooth)", "veneers (per tooth)", "dentures (full set)", "invisalign clear aligners",
          "take-home whitening trays"}


def phrase(q, t):
    """The question for treatment `t`, with the right verb and article."""
    if t in PLURAL:
        q = q.replace("Does a {t}", "Do {t}").replace("does a {t}", "do {t}").replace("after a {t}", "after getting {t}")
    elif t[0] in "aeiou":
        q = q.replace("a {t}", "an {t}")
    return q.format(t=t)


QUESTIONS = [
    ("Does a {t} hurt?", lambda t, mins, price, visits, an, care: (
        "Most patients feel only pressure: we numb the area first." if an != "none"
        else "No: it needs no anesthesia and most patients feel nothing more than mild pressure.")),
    ("How long does a {t} take?", lambda t, mins, price, visits, an, care: (
        f"About {mins} minutes" + ("." if visits == 1 else f" per visit, over {visits} visits."))),
    ("How much does a {t} cost?", lambda t, mins, price, visits, an, care: (
        f"${price:,} without insurance. With insurance you usually pay a share of that; we give you an estimate first.")),
    ("What should I do after a {t}?", lambda t, mins, price, visits, an, care: care),
    ("Can I drive home after a {t}?", lambda t, mins, price, visits, an, care: (
        "Not after IV sedation: bring someone to drive you home. With local anesthesia alone you can drive."
        if "IV" in an else "Yes. Local anesthesia does not affect driving." if an != "none" else "Yes, nothing in it affects driving.")),
    ("Can I go back to work after a {t}?", lambda t, mins, price, visits, an, care: (
        "Plan to rest for the rest of the day." if mins >= 90 or "IV" in an else "Yes, most patients go straight back to work.")),
]

CATEGORY = {
    "Routine cleaning": "preventive", "Sealants (per tooth)": "preventive", "Fluoride varnish": "preventive",
    "Emergency exam": "preventive", "Deep cleaning (scaling and root planing)": "basic",
    "Tooth-colored filling": "basic", "Simple extraction": "basic", "Wisdom tooth removal": "basic",
    "Root canal (front tooth)": "major", "Root canal (molar)": "major", "Porcelain crown": "major",
    "Dental implant": "major", "Night guard": "major", "Dentures (full set)": "major",
    "Invisalign clear aligners": "ortho", "In-office whitening": "cosmetic", "Take-home whitening trays": "cosmetic",
    "Veneers (per tooth)": "cosmetic",
}

MAJOR = {"Root canal (molar)", "Porcelain crown", "Dental implant", "Dentures (full set)", "Root canal (front tooth)",
         "Wisdom tooth removal", "Deep cleaning (scaling and root planing)", "Tooth-colored filling"}


def dental_faq():
    out = ["# Bright Smile Dental: questions patients ask\n"]
    for name, minutes, price, visits, anesthesia, care in TREATMENTS:
        t = name.lower()
        out.append(f"\n## {name}\n")
        for q, answer in QUESTIONS:
            out.append(f"\n**{phrase(q, t)}** {answer(t, minutes, price, visits, anesthesia, care)}\n")
        lasts, alternative, pregnant, children, often = DENTAL_TREATMENT_FACTS[name]
        for q, a in [("How long does a {t} last?", lasts), ("What is the alternative to a {t}?", alternative),
                     ("Can I have a {t} while pregnant?", pregnant), ("Can children have a {t}?", children),
                     ("How often is a {t} needed?", f"{often[0].upper()}{often[1:]}.")]:
            out.append(f"\n**{phrase(q, t)}** {a}\n")
    out.append("\n# What you pay, by plan\n")
    for name, network, cleanings, basic, major, maximum in INSURERS:
        if maximum == 0:
            continue
        out.append(f"\n## With {name}\n")
        for tname, minutes, price, visits, anesthesia, care in TREATMENTS:
            kind = CATEGORY[tname]
            if kind == "cosmetic":
                out.append(f"\n**{tname} with {name}:** cosmetic, so not covered; you pay ${price:,}, and our membership plan takes 20% off.\n")
                continue
            if kind == "ortho":
                covered = min(price // 2, 1500)
                out.append(f"\n**{tname} with {name}:** orthodontics are usually covered at 50% up to a $1,500 lifetime "
                           f"maximum, so the plan pays about ${covered:,} of ${price:,} and you pay about ${price - covered:,}.\n")
                continue
            share = {"preventive": cleanings, "basic": basic, "major": major}[kind]
            covered = min(price * share // 100, maximum)
            out.append(f"\n**{tname} with {name}:** the plan usually pays {share}% (${covered:,} of ${price:,}), "
                       f"so you pay about ${price - covered:,}, as long as your ${maximum:,} annual maximum is not used up.\n")
    return "".join(out)


def dental_insurance():
    out = ["# Bright Smile Dental: insurance guide\n",
           "We check your benefits before any treatment. The figures below are typical for each plan; your own "
           "plan's limits are on your benefits summary.\n"]
    for name, network, cleanings, basic, major, maximum in INSURERS:
        out.append(f"\n## {name}\n")
        if maximum == 0:
            out.append(f"We are {network} with {name}. Covered services for eligible children have no annual maximum "
                       f"and no co-pay for cleanings, fillings or extractions.\n")
            continue
        out.append(f"We are {network} with {name}. Typical {name} plans cover cleanings and exams at {cleanings}%, "
                   f"fillings and simple extractions at {basic}%, and crowns, root canals and implants at {major}%, up to "
                   f"an annual maximum of ${maximum:,}.\n")
        if network == "out of network":
            out.append(f"As we are out of network with {name}, you pay at the visit and we file the claim for you; "
                       f"{name} reimburses you directly, usually within three weeks.\n")
    out.append("\n## Without insurance\n")
    out.append("Our in-house membership plan costs $299 a year for adults and $199 for children. It includes two "
               "cleanings, exams and X-rays, and 20% off all other treatments. Payment plans through CareCredit are "
               "available for treatments over $500, interest-free for 12 months.\n")
    return "".join(out)


def sections(title, intro, entries):
    """A document of hand-written (heading, paragraphs) entries."""
    out = [f"# {title}\n", f"{intro}\n"]
    for heading, paragraphs in entries:
        out.append(f"\n## {heading}\n")
        out.append("\n\n".join(paragraphs) + "\n")
    return "".join(out)


INSURER_RULES = [
    # name, waiting period for major work (months), cleanings a year, bitewings a year, missing-tooth clause, pre-authorization over $
    ("Delta Dental PPO", 12, 2, 1, False, 500), ("Cigna DPPO", 0, 2, 1, False, 300), ("MetLife PDP", 12, 2, 1, True, 500),
    ("Aetna PPO", 6, 2, 1, True, 300), ("Guardian DentalGuard", 12, 2, 1, True, 400), ("United Concordia", 12, 2, 1, False, 500),
    ("Humana Dental", 12, 2, 1, True, 250), ("Blue Cross Dental Blue", 6, 3, 1, False, 500), ("Ameritas", 12, 2, 2, True, 300),
    ("Principal", 0, 2, 1, False, 500), ("Sun Life", 6, 2, 1, True, 350), ("Medicaid (children under 21)", 0, 2, 1, False, 0),
]


def dental_plan_rules():
    out = ["# Bright Smile Dental: plan rules that surprise patients\n",
           "Waiting periods, frequency limits, the missing-tooth clause and pre-authorization, plan by plan. These are "
           "the typical rules of each insurer's common plans; your employer's plan may differ.\n"]
    for name, wait, cleanings, bitewings, missing, preauth in INSURER_RULES:
        out.append(f"\n## {name}: plan rules\n")
        wait_text = (f"Crowns, root canals and implants have a {wait}-month waiting period from the plan's start date, "
                     f"unless you had continuous dental coverage before." if wait else
                     f"{name} plans usually have no waiting period: major work is covered from the first day.")
        out.append(f"{wait_text} {name} covers {cleanings} cleanings and exams per calendar year and bitewing X-rays "
                   f"{'once' if bitewings == 1 else 'twice'} a year; a full set of X-rays every five years.\n")
        if missing:
            out.append(f"\n**Missing-tooth clause with {name}.** Many {name} plans do not pay for an implant, bridge or "
                       f"denture that replaces a tooth lost before the coverage started. We check this before planning "
                       f"the replacement.\n")
        else:
            out.append(f"\n**Missing-tooth clause with {name}.** Typical {name} plans have no missing-tooth clause, so "
                       f"replacing a tooth lost before the coverage started is covered like any other major work.\n")
        if preauth:
            out.append(f"\n**Pre-authorization with {name}.** For treatment over ${preauth:,} we send a pre-treatment "
                       f"estimate to {name} first. The answer takes two to four weeks and tells you exactly what the plan "
                       f"pays; you can start sooner and pay the difference if the estimate comes back lower.\n")
    return "".join(out)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{os.path.relpath(path)}: {len(text.encode()):,} bytes")


write(os.path.join(HERE, "hvac", "generated-owners-manuals.md"), hvac_manuals())
write(os.path.join(HERE, "hvac", "generated-service-policies.md"), hvac_policies())
write(os.path.join(HERE, "dental", "generated-treatment-guide.md"), dental_treatments())
write(os.path.join(HERE, "dental", "generated-insurance-guide.md"), dental_insurance())
write(os.path.join(HERE, "dental", "generated-patient-questions.md"), dental_faq())
write(os.path.join(HERE, "dental", "generated-plan-rules.md"), dental_plan_rules())
write(os.path.join(HERE, "dental", "generated-emergencies.md"), sections(
    "Bright Smile Dental: dental emergencies", "What to do until you reach us, and when to go to the emergency room "
    "instead. Emergency line: the on-call dentist answers within 20 minutes, day and night.", DENTAL_EMERGENCIES))
write(os.path.join(HERE, "dental", "generated-health-conditions.md"), sections(
    "Bright Smile Dental: health conditions and medications", "How common conditions and medicines change dental "
    "care. Always tell us about changes to your health or medication.", DENTAL_CONDITIONS))
write(os.path.join(HERE, "dental", "generated-locations.md"), sections(
    "Bright Smile Dental: our offices", "Four offices share one booking line and one patient record, so you can be "
    "seen at any of them.", [(f"{name} office", [
        f"The {name} office is at {address}. Parking: {parking}. Public transport: {transit}.",
        f"Besides general dentistry the {name} office offers {services}."]) for name, address, parking, transit, services
        in DENTAL_LOCATIONS]))
write(os.path.join(HERE, "dental", "generated-children.md"), sections(
    "Bright Smile Dental: children's dentistry", "Care for babies, children and teenagers, from the first tooth to "
    "sports mouthguards.", DENTAL_CHILDREN))
write(os.path.join(HERE, "dental", "generated-office-policies.md"), sections(
    "Bright Smile Dental: office policies", "How appointments, payment, records and privacy work at Bright Smile "
    "Dental.", DENTAL_OFFICE))
write(os.path.join(HERE, "hvac", "generated-troubleshooting.md"), sections(
    "Polar Air Heating & Cooling: troubleshooting guide", "What to check yourself before booking a visit, what is "
    "normal, and when to stop and call us. For error codes, see the owner's manual section of your model.",
    HVAC_SYMPTOMS))
write(os.path.join(HERE, "hvac", "generated-air-quality.md"), sections(
    "Polar Air Heating & Cooling: indoor air quality", "Filters, humidity, ventilation and the products we install, "
    "with what each one really does.", HVAC_AIR_QUALITY))
