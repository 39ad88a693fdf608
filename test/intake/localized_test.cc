// mstsc's most common messages as Microsoft's localized documentation writes
// them (rules/client_localized.json, each page cited there) read as the
// English messages of the same meaning; the full sentences below are the
// documentation's, so a phrase edited into something the docs do not say
// fails here.
#include <catch2/catch.hpp>
#include <string>

#include "rdptriage/triage.h"
#include "support/bundled_triage.h"

namespace rdptriage {
namespace {

struct Case {
  const char* language;
  const char* text;
  const char* symptom;
};

TEST_CASE("localized messages from Microsoft's documentation read as their English ones") {
  const Case cases[] = {
      // The Local Security Authority cannot be contacted.
      {"de",
       "Authentifizierungsfehler. Die lokale Sicherheitsautorität (LSA) ist nicht erreichbar.",
       "lsa_or_account"},
      {"fr",
       "Une erreur d\xE2\x80\x99"
       "authentification s\xE2\x80\x99"
       "est produite. "
       "L\xE2\x80\x99"
       "autorit\xC3\xA9 de s\xC3\xA9"
       "curit\xC3\xA9 locale ne peut pas "
       "\xC3\xAA"
       "tre contact\xC3\xA9"
       "e.",
       "lsa_or_account"},
      {"nl",
       "Er is een verificatiefout opgetreden. Er kan geen contact worden opgenomen met de lokale "
       "beveiligingsprovider.",
       "lsa_or_account"},
      {"es",
       "Error de autenticaci\xC3\xB3n. No se puede conectar con la autoridad de seguridad Local.",
       "lsa_or_account"},
      {"it",
       "Si \xC3\xA8 verificato un errore di autenticazione. Impossibile contattare "
       "l'autorit\xC3\xA0 "
       "di sicurezza locale.",
       "lsa_or_account"},
      {"ja",
       "\xE8\xAA\x8D\xE8\xA8\xBC\xE3\x82\xA8\xE3\x83\xA9\xE3\x83\xBC\xE3\x81\x8C\xE7\x99\xBA\xE7"
       "\x94"
       "\x9F\xE3\x81\x97\xE3\x81\xBE\xE3\x81\x97\xE3\x81\x9F\xE3\x80\x82 "
       "\xE3\x83\xAD\xE3\x83\xBC\xE3\x82\xAB\xE3\x83\xAB "
       "\xE3\x82\xBB\xE3\x82\xAD\xE3\x83\xA5\xE3\x83"
       "\xAA\xE3\x83\x86\xE3\x82\xA3\xE6\xA9\x9F\xE9\x96\xA2\xE3\x81\xAB\xE3\x82\xA2\xE3\x82\xAF"
       "\xE3"
       "\x82\xBB\xE3\x82\xB9\xE3\x81\xA7\xE3\x81\x8D\xE3\x81\xBE\xE3\x81\x9B\xE3\x82\x93\xE3\x80"
       "\x82",
       "lsa_or_account"},
      {"zh-cn",
       "\xE5\x8F\x91\xE7\x94\x9F\xE8\xBA\xAB\xE4\xBB\xBD\xE9\xAA\x8C\xE8\xAF\x81\xE9\x94\x99\xE8"
       "\xAF"
       "\xAF\xE3\x80\x82 "
       "\xE6\x97\xA0\xE6\xB3\x95\xE8\x81\x94\xE7\xB3\xBB\xE6\x9C\xAC\xE5\x9C\xB0\xE5"
       "\xAE\x89\xE5\x85\xA8\xE6\x9C\xBA\xE6\x9E\x84\xE3\x80\x82",
       "lsa_or_account"},
      // This computer can't connect to the remote computer.
      {"de",
       "Dieser Computer kann keine Verbindung mit dem Remotecomputer herstellen. Versuchen Sie "
       "noch "
       "einmal, die Verbindung herzustellen.",
       "cant_connect_generic"},
      {"nl",
       "Deze computer kan geen verbinding maken met de externe computer. Probeer opnieuw "
       "verbinding "
       "te maken.",
       "cant_connect_generic"},
      {"sv",
       "Den h\xC3\xA4r datorn kan inte ansluta till fj\xC3\xA4rrdatorn. F\xC3\xB6rs\xC3\xB6k igen.",
       "cant_connect_generic"},
      {"ko",
       "\xEC\x9D\xB4 \xEC\xBB\xB4\xED\x93\xA8\xED\x84\xB0\xEB\x8A\x94 \xEC\x9B\x90\xEA\xB2\xA9 "
       "\xEC\xBB\xB4\xED\x93\xA8\xED\x84\xB0\xEC\x97\x90 \xEC\x97\xB0\xEA\xB2\xB0\xED\x95\xA0 "
       "\xEC\x88\x98 \xEC\x97\x86\xEC\x8A\xB5\xEB\x8B\x88\xEB\x8B\xA4.",
       "cant_connect_generic"},
      // ... requires NLA, but your Windows domain controller cannot be contacted.
      {"de",
       "Der Remotecomputer, zu dem Sie eine Verbindung herstellen m\xC3\xB6"
       "chten, erfordert eine "
       "Authentifizierung auf Netzwerkebene (NLA), aber Ihr Windows-Dom\xC3\xA4nencontroller kann "
       "nicht kontaktiert werden, um NLA durchzuf\xC3\xBChren.",
       "nla_dc_unreachable"},
      {"fr",
       "L\xE2\x80\x99ordinateur distant auquel vous essayez de vous connecter n\xC3\xA9"
       "cessite une "
       "authentification au niveau du r\xC3\xA9seau (NLA), mais votre contr\xC3\xB4leur de domaine "
       "Windows ne peut pas \xC3\xAAtre contact\xC3\xA9 pour effectuer la NLA.",
       "nla_dc_unreachable"},
      // Your account is configured to prevent you from using this device.
      {"pt-br",
       "Sua conta est\xC3\xA1 configurada para impedir que voc\xC3\xAA use este dispositivo.",
       "not_authorized"},
  };
  for (const Case& c : cases) {
    INFO(c.language << ": " << c.text);
    auto r = testing::bundled_triage().read_client_error(c.text);
    REQUIRE(r.ok());
    CHECK(r->symptom == c.symptom);
    CHECK(r->leading_cause.empty());
  }
}

TEST_CASE("a non-Latin localized phrase matches only as written") {
  // One character of the Japanese LSA message changed: no tolerant reading
  // of scripts written without spaces.
  auto r = testing::bundled_triage().read_client_error(
      "\xE3\x83\xAD\xE3\x83\xBC\xE3\x82\xAB\xE3\x83\xAB "
      "\xE3\x82\xBB\xE3\x82\xAD\xE3\x83\xA5\xE3\x83"
      "\xAA\xE3\x83\x86\xE3\x82\xA3\xE6\xA9\x9F\xE9\x96\xA2\xE3\x81\xAB\xE3\x82\xA2\xE3\x82\xAF\xE3"
      "\x82\xBB\xE3\x82\xB9\xE3\x81\xA7\xE3\x81\x8D\xE3\x81\xBE\xE3\x81\x99");
  REQUIRE(r.ok());
  CHECK(r->symptom == "unknown");
}

}  // namespace
}  // namespace rdptriage
