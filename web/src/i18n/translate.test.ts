import { describe, expect, it } from "vitest";
import { en } from "./en";
import { fr } from "./fr";
import { preferredLanguage, translator } from "./translate";

describe("translator", () => {
  it("test_translate_fills_placeholders_in_each_language", () => {
    expect(translator("en")("stream.reconnecting", { seconds: 4, attempt: 3 })).toBe(
      "Live updates lost; reconnecting in 4 s (attempt 3).",
    );
    expect(translator("fr")("stream.reconnecting", { seconds: 4, attempt: 3 })).toBe(
      "Mises à jour en direct perdues ; reconnexion dans 4 s (essai 3).",
    );
  });

  it("test_translate_french_has_every_english_key_and_placeholder", () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(placeholders(fr[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("test_preferred_language_picks_first_supported_else_english", () => {
    expect(preferredLanguage(["de-DE", "fr-CA", "en"])).toBe("fr");
    expect(preferredLanguage(["de"])).toBe("en");
  });
});
