"""A hand-built craft lexicon: concept groups of weighted terms, and which groups are related.

A term's weight (0-1] says how strongly the term alone signals the concept: "epoxy" is resin
for certain (1.0), "coaster" usually is (0.7), "pour" only hints at it (0.6). A term may sit in
several concepts ("yarn" is crochet, knitting and fiber art). `GENERAL_CRAFTS` holds the
modifiers that say "this is a craft" without saying which one (handmade, diy, eco...).
Terms are written as people type them; relevance.py normalises and stems both sides.
"""
from __future__ import annotations

from typing import Final

GENERAL_CRAFTS: Final = "crafts"

CONCEPTS: Final[dict[str, dict[str, float]]] = {
    "resin": {
        "resin": 1.0, "epoxy": 1.0, "epoxy resin": 1.0, "uv resin": 1.0, "resin art": 1.0,
        "resin pour": 1.0, "jesmonite": 0.8, "geode": 0.8, "geode art": 0.9, "pour": 0.6,
        "pigment": 0.6, "mica powder": 0.8, "mica": 0.6, "alcohol ink": 0.7, "coaster": 0.7,
        "tray": 0.5, "river table": 0.8, "resin mold": 1.0, "silicone mold": 0.8, "mold": 0.5,
        "mould": 0.5, "pressed flower": 0.6, "dried flower": 0.4, "ocean art": 0.7, "petri dish": 0.7,
        "keychain": 0.5, "bookmark": 0.4, "resin jewelry": 1.0, "cell": 0.3, "glitter": 0.4,
    },
    "crochet": {
        "crochet": 1.0, "amigurumi": 1.0, "granny square": 1.0, "yarn": 0.9, "hook": 0.7,
        "crochet hook": 1.0, "stitch": 0.6, "knit": 0.5, "chunky yarn": 0.9, "tunisian": 0.8,
        "pattern": 0.4, "plushie": 0.6, "blanket": 0.4, "bucket hat": 0.5, "c2c": 0.8,
        "corner to corner": 0.8, "beanie": 0.4, "crochet top": 1.0, "tote bag": 0.3,
        "cardigan": 0.4, "bobble stitch": 0.9, "single crochet": 1.0, "magic ring": 0.9,
    },
    "knitting": {
        "knit": 1.0, "knitwear": 0.9, "yarn": 0.9, "knitting needle": 1.0, "needle": 0.4,
        "purl": 1.0, "cable knit": 1.0, "fair isle": 0.9, "chunky knit": 1.0, "arm knitting": 1.0,
        "stitch": 0.6, "pattern": 0.4, "crochet": 0.5, "sock": 0.4, "sweater": 0.5, "beanie": 0.4,
        "scarf": 0.4, "cardigan": 0.5, "wool": 0.7, "merino": 0.7, "cast on": 0.9, "colorwork": 0.8,
    },
    "fiber art": {
        "fiber art": 1.0, "fibre art": 1.0, "fiber": 0.8, "fibre": 0.8, "weaving": 1.0, "weave": 0.9,
        "loom": 0.9, "tapestry": 0.9, "punch needle": 1.0, "tufting": 1.0, "rug tufting": 1.0,
        "tufted rug": 1.0, "macrame": 0.9, "felting": 0.9, "needle felt": 0.9, "wool": 0.6,
        "yarn": 0.7, "textile art": 1.0, "textile": 0.7, "natural dye": 0.8, "dye": 0.5,
        "wall hanging": 0.6, "spinning": 0.5, "hand spun": 0.8,
    },
    "macrame": {
        "macrame": 1.0, "plant hanger": 0.9, "square knot": 0.8, "knot": 0.6, "cord": 0.6,
        "rope": 0.5, "fringe": 0.5, "wall hanging": 0.6,
    },
    "decor": {
        "decor": 1.0, "home decor": 1.0, "room decor": 1.0, "wall decor": 1.0, "wall hanging": 0.9,
        "wall art": 0.9, "boho": 0.9, "candle": 0.5, "candle holder": 0.9, "vase": 0.8,
        "interior": 0.7, "interior design": 0.7, "shelf styling": 0.9, "shelf": 0.5, "styling": 0.5,
        "coffee table": 0.6, "mantel": 0.7, "centerpiece": 0.8, "wreath": 0.8, "garland": 0.7,
        "tray": 0.5, "coaster": 0.5, "plant hanger": 0.7, "mirror": 0.5, "lamp": 0.6,
        "cushion": 0.6, "throw pillow": 0.7, "rug": 0.5, "japandi": 0.8, "scandi": 0.7,
        "farmhouse": 0.7, "bedroom": 0.5, "living room": 0.5, "ornament": 0.7, "dried flower": 0.6,
        "tablescape": 0.9, "cozy": 0.4, "trinket dish": 0.8, "planter": 0.6,
    },
    "slow crafting": {
        "slow craft": 1.0, "slow crafting": 1.0, "slow living": 1.0, "slow life": 0.9,
        "slow made": 1.0, "slow making": 1.0, "slow fashion": 0.7, "mindful making": 1.0,
        "mindful craft": 1.0, "mindful": 0.6, "mindfulness": 0.6, "cottagecore": 0.9,
        "cottage core": 0.9, "hygge": 0.8, "simple living": 0.9, "intentional living": 0.8,
        "relaxing craft": 0.9, "craft with me": 0.8, "homestead": 0.6, "slow morning": 0.7,
        "analog hobby": 0.8, "hobby": 0.5, "cozy craft": 0.9, "make with me": 0.7,
    },
    "pottery": {
        "pottery": 1.0, "ceramic": 1.0, "clay": 0.9, "wheel throwing": 1.0, "pottery wheel": 1.0,
        "glaze": 0.9, "kiln": 1.0, "stoneware": 1.0, "porcelain": 0.8, "air dry clay": 1.0,
        "polymer clay": 0.7, "hand building": 1.0, "handbuilding": 1.0, "slab": 0.6, "mug": 0.5,
        "bowl": 0.4, "vase": 0.5, "terracotta": 0.7, "potter": 1.0, "underglaze": 1.0,
    },
    "embroidery": {
        "embroidery": 1.0, "embroider": 1.0, "hand embroidery": 1.0, "cross stitch": 1.0,
        "needlepoint": 1.0, "sashiko": 1.0, "stitch": 0.6, "embroidery hoop": 1.0, "hoop": 0.6,
        "floss": 0.8, "thread": 0.5, "visible mending": 0.9, "mending": 0.7, "punch needle": 0.7,
    },
    "candle making": {
        "candle": 1.0, "candle making": 1.0, "soy candle": 1.0, "soy wax": 1.0, "beeswax": 0.8,
        "wax": 0.7, "wick": 0.9, "wax melt": 0.9, "fragrance oil": 0.7, "pillar candle": 1.0,
        "container candle": 1.0, "dough bowl": 0.8,
    },
    "soap making": {
        "soap": 1.0, "soap making": 1.0, "cold process": 1.0, "melt and pour": 0.9, "lye": 0.9,
        "bath bomb": 0.8, "goat milk soap": 1.0, "essential oil": 0.5, "body butter": 0.6,
    },
    "woodworking": {
        "woodworking": 1.0, "woodwork": 1.0, "wood": 0.8, "wood carving": 1.0, "whittling": 1.0,
        "spoon carving": 1.0, "wood burning": 0.9, "pyrography": 1.0, "lathe": 0.9,
        "wood turning": 1.0, "cutting board": 0.8, "live edge": 0.8, "furniture": 0.5, "chisel": 0.8,
        "sanding": 0.6, "dovetail": 0.9, "joinery": 0.9, "scroll saw": 0.9, "walnut": 0.5,
    },
    "sewing": {
        "sewing": 1.0, "sew": 1.0, "sewing machine": 1.0, "sewing pattern": 1.0, "dressmaking": 1.0,
        "fabric": 0.8, "quilt": 0.5, "tote bag": 0.6, "scrunchie": 0.7, "thrift flip": 0.8,
        "refashion": 0.9, "serger": 0.9, "linen": 0.5, "apron": 0.6, "pattern": 0.4, "seam": 0.8,
        "hem": 0.6, "alteration": 0.7, "handmade wardrobe": 1.0,
    },
    "quilting": {
        "quilt": 1.0, "quilting": 1.0, "patchwork": 1.0, "quilt block": 1.0, "fabric": 0.6,
        "applique": 0.8, "english paper piecing": 1.0, "fat quarter": 0.9, "longarm": 0.9,
    },
    "jewelry making": {
        "jewelry": 1.0, "jewellery": 1.0, "jewelry making": 1.0, "earring": 0.9, "necklace": 0.9,
        "bracelet": 0.9, "ring": 0.6, "bead": 0.8, "beading": 0.9, "wire wrap": 1.0,
        "wire wrapping": 1.0, "pendant": 0.8, "charm": 0.6, "clay earring": 0.9, "silversmith": 1.0,
        "metalsmith": 1.0, "gemstone": 0.6, "crystal": 0.4,
    },
    "painting": {
        "painting": 1.0, "paint": 1.0, "watercolor": 1.0, "watercolour": 1.0, "acrylic": 0.8,
        "acrylic painting": 1.0, "acrylic pour": 0.8, "fluid art": 0.8, "gouache": 1.0,
        "oil painting": 1.0, "canvas": 0.8, "brush": 0.6, "abstract art": 0.8, "sketch": 0.6,
        "sketchbook": 0.7, "illustration": 0.6, "mural": 0.8, "palette": 0.6, "plein air": 0.9,
    },
    "paper crafts": {
        "paper craft": 1.0, "papercraft": 1.0, "origami": 1.0, "scrapbook": 1.0, "junk journal": 1.0,
        "journal": 0.6, "bullet journal": 0.8, "card making": 1.0, "greeting card": 0.8,
        "calligraphy": 0.9, "hand lettering": 0.9, "lettering": 0.8, "stamp": 0.6, "sticker": 0.6,
        "paper": 0.6, "washi tape": 0.9, "bookbinding": 1.0, "book binding": 1.0, "quilling": 1.0,
        "collage": 0.8, "cricut": 0.8,
    },
    GENERAL_CRAFTS: {
        "handmade": 1.0, "hand made": 1.0, "handcrafted": 1.0, "diy": 1.0, "craft": 1.0,
        "crafter": 1.0, "maker": 0.8, "upcycle": 1.0, "upcycling": 1.0, "eco": 0.6,
        "eco friendly": 0.6, "sustainable": 0.6, "zero waste": 0.6, "recycled": 0.6,
        "small batch": 0.7, "etsy": 0.8, "craft fair": 1.0, "makers market": 1.0, "artisan": 0.8,
    },
}

# Concepts whose audiences overlap: a topic from one is of some use to a creator in the other.
RELATED: Final[frozenset[frozenset[str]]] = frozenset(
    frozenset(pair) for pair in (
        ("crochet", "knitting"), ("crochet", "fiber art"), ("crochet", "macrame"),
        ("knitting", "fiber art"), ("macrame", "fiber art"), ("macrame", "decor"),
        ("fiber art", "decor"), ("resin", "jewelry making"), ("resin", "decor"),
        ("pottery", "decor"), ("candle making", "decor"), ("candle making", "soap making"),
        ("sewing", "quilting"), ("sewing", "embroidery"), ("embroidery", "fiber art"),
        ("quilting", "fiber art"), ("painting", "paper crafts"), ("woodworking", "decor"),
        ("resin", "woodworking"), ("resin", "painting"), ("pottery", "jewelry making"),
        ("slow crafting", "crochet"), ("slow crafting", "knitting"), ("slow crafting", "embroidery"),
        ("slow crafting", "fiber art"), ("slow crafting", "pottery"), ("slow crafting", "decor"),
        ("slow crafting", "sewing"), ("slow crafting", "quilting"),
    )
)

# Words that name no craft on their own; sharing one of them is not evidence of relevance.
GENERIC_WORDS: Final = frozenset(
    """idea easy beginner tutorial how best new cute simple aesthetic trend trending viral tiktok
    instagram reel inspo inspiration gift small business home art making make made slow style design
    kit set video process satisfying asmr day week part vs diy handmade craft crafting eco""".split()
)

STOPWORDS: Final = frozenset(
    "a an the and or of for to in on with my your our how what why is are at by from this that it".split()
)

# Things makers make: a phrase whose head is one of these (or a lexicon term) is about an object a craft can
# produce ("resin gnome", "crochet octopus"); an unknown head earns less trust, a foreign one almost none.
CRAFT_OBJECTS: Final = frozenset(
    """coaster tray bowl vase mug cup plate dish saucer jar box frame sign clock lamp lampshade shade ornament
    wreath garland bunting pillow cushion blanket throw rug mat placemat runner basket bag tote purse pouch
    wallet clutch backpack hat beanie bucket bonnet balaclava scarf shawl cowl mitten glove sock slipper sweater
    cardigan jumper vest top tee dress skirt shorts bikini swimsuit bralette poncho kimono headband scrunchie
    bow earring necklace bracelet anklet ring pendant brooch pin keychain keyring charm bookmark magnet card
    notebook journal sketchbook planner doll toy plushie plush teddy bear bunny rabbit octopus mushroom bee
    whale cat dog fox owl frog turtle dinosaur dragon unicorn elephant penguin snail butterfly flower bouquet
    rose daisy sunflower tulip leaf plant succulent cactus pot planter hanger hanging wallhanging tapestry
    quilt table shelf tile candle soap jewelry jewellery figurine gnome sculpture statue dice pen tumbler
    glass light nightlight terrarium geode ashtray holder trinket board spoon utensil stool chair bench
    birdhouse mirror wreath centerpiece tablescape garland ornament stocking tree angel star snowflake heart
    gift gifts favor favour souvenir keepsake sampler hoop patch applique pincushion cozy cosy sleeve cover
    case organizer organiser caddy storage bin crate""".split()
)

# Heads that name a kind of content about what precedes them ("glaze recipes", "resin supplies"): the sense
# check looks past them to the word they are about.
CONTENT_HEADS: Final = frozenset(
    """recipe tip trick hack guide project technique step supply tool material kit design course class workshop
    lesson book shop business market fair stall haul review unboxing vlog challenge basics mistake problem fix
    method process routine setup studio""".split()
)

# Words that belong to other domains outright: as a phrase's head, or beside an ambiguous craft word, they
# take the phrase into another sense ("resin driveway", "crochet braids", "slow cooker", "lilo and stitch").
# Only words that are hardly ever craft context belong here: "recipe" (glaze recipes), "chart" (knitting
# charts), "kitchen" (kitchen decor), "hair" (hair scrunchies) or "budget" (budget decor) do not.
FOREIGN_WORDS: Final[dict[str, frozenset[str]]] = {domain: frozenset(words.split()) for domain, words in {
    "building and yards": """driveway patio paving paver gravel flooring garage basement roof roofing gutter
        plumbing plumber asphalt tarmac decking subfloor grout countertop worktop contractor renovation remodel
        siding insulation drywall sealant toilet shed""",
    "hair and beauty": """hairstyle braid braided locs wig extension ponytail makeup concealer mascara
        eyeliner eyeshadow lipstick lash brow nail manicure pedicure skincare serum moisturizer acne facial
        waxing tattoo piercing veneer""",
    "cars and machines": """car truck vehicle automotive engine tire tyre motorcycle detailing headlight bumper""",
    "food": """cooker meal dinner lunch breakfast soup pasta pizza cookie donut doughnut chocolate latte
        smoothie salad chicken beef pork keto protein pancake fryer bbq barbecue cocktail sourdough cake
        cupcake""",
    "money": """crypto bitcoin ethereum trading trader stock forex investing investment dividend portfolio bot
        loan mortgage tax""",
    "tech": """iphone android phone laptop computer software app javascript python npm coding programming
        developer api printer filament gpu linux excel wifi internet website seo""",
    "health": """dental dentist teeth tooth braces implant doctor medical surgery diet fitness workout gym
        pilates metabolism""",
    "entertainment and sport": """movie film episode anime disney marvel netflix lilo harry opera song lyrics
        album concert game gaming minecraft fortnite roblox football soccer basketball baseball tennis golf
        nfl nba fishing hunting""",
    "other": """motion recognition selfie doorbell meth election politics weather""",
}.items()}

# Fixed expressions that give a craft word another sense.
NONCRAFT_PHRASES: Final = (
    "roller coaster", "super bowl", "tight knit", "rug pull", "ring light", "candle stick", "candlestick",
    "soap opera", "hook up", "package manager", "screen recording", "screen recorder", "slow down", "slow mo",
    "pattern recognition", "crystal meth", "clay mask", "clay court", "car wax", "bikini wax", "mug shot",
    "ceramic coating", "resin bound", "fabric softener", "crochet hair", "3d print", "3d printing",
    "3d printer", "board game", "hair weave", "resin printing", "resin printer", "resin wicker",
)
