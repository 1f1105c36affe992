// The document tests' validator harness, one JVM for a whole batch of files:
//   java Validate ubl a.xml b.xml -- pdfa c.pdf
// `ubl` checks each UBL invoice or credit note (by its root element) against the official EN 16931 UBL rules (1.3.15) and Peppol BIS
// Billing 3.0 (2025.11) with phive; `pdfa` checks each PDF for PDF/A-3b with veraPDF. Prints one
// JSON object per file: {"file", "kind", "errors": [{"id", "text"}]}; exits 0 whatever it found
// (the tests judge the results), 2 on a usage error.
import com.helger.diagnostics.error.IError;
import com.helger.diagnostics.error.level.EErrorLevel;
import com.helger.io.resource.FileSystemResource;
import com.helger.phive.api.execute.ValidationExecutionManager;
import com.helger.phive.api.executorset.IValidationExecutorSet;
import com.helger.phive.api.executorset.ValidationExecutorSetRegistry;
import com.helger.phive.api.result.ValidationResultList;
import com.helger.phive.api.validity.IValidityDeterminator;
import com.helger.phive.en16931.EN16931Validation;
import com.helger.phive.peppol.PeppolValidation;
import com.helger.phive.peppol.PeppolValidation2025_11;
import com.helger.phive.xml.source.IValidationSourceXML;
import com.helger.phive.xml.source.ValidationSourceXML;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

public final class Validate {
  private static String json(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  private static void print(String file, String kind, List<String[]> errors) {
    StringBuilder line = new StringBuilder("{\"file\":").append(json(file)).append(",\"kind\":").append(json(kind)).append(",\"errors\":[");
    for (int i = 0; i < errors.size(); i++) {
      if (i > 0) line.append(',');
      line.append("{\"id\":").append(json(errors.get(i)[0])).append(",\"text\":").append(json(errors.get(i)[1])).append('}');
    }
    System.out.println(line.append("]}"));
  }

  public static void main(String[] args) throws Exception {
    List<String> ubl = new ArrayList<>();
    List<String> pdfa = new ArrayList<>();
    List<String> target = null;
    for (String arg : args) {
      if (arg.equals("ubl")) target = ubl;
      else if (arg.equals("pdfa")) target = pdfa;
      else if (arg.equals("--")) target = null;
      else if (target != null) target.add(arg);
      else { System.err.println("usage: Validate ubl FILE... [-- pdfa FILE...]"); System.exit(2); }
    }
    if (!ubl.isEmpty()) {
      ValidationExecutorSetRegistry<IValidationSourceXML> registry = new ValidationExecutorSetRegistry<>();
      EN16931Validation.initEN16931(registry);
      PeppolValidation.initStandard(registry);
      List<IValidationExecutorSet<IValidationSourceXML>> invoiceSets = List.of(
        registry.getOfID(EN16931Validation.VID_UBL_INVOICE_1315),
        registry.getOfID(PeppolValidation2025_11.VID_OPENPEPPOL_INVOICE_UBL_V3));
      List<IValidationExecutorSet<IValidationSourceXML>> creditNoteSets = List.of(
        registry.getOfID(EN16931Validation.VID_UBL_CREDIT_NOTE_1315),
        registry.getOfID(PeppolValidation2025_11.VID_OPENPEPPOL_CREDIT_NOTE_UBL_V3));
      for (String file : ubl) {
        List<String[]> errors = new ArrayList<>();
        boolean creditNote = new String(Files.readAllBytes(Path.of(file)), StandardCharsets.UTF_8).contains("<CreditNote ");
        List<IValidationExecutorSet<IValidationSourceXML>> sets = creditNote ? creditNoteSets : invoiceSets;
        for (IValidationExecutorSet<IValidationSourceXML> set : sets) {
          ValidationResultList results = ValidationExecutionManager.executeValidation(IValidityDeterminator.createDefault(), set,
            ValidationSourceXML.create(new FileSystemResource(new File(file))), Locale.US);
          for (IError error : results.getAllErrors()) {
            if (error.getErrorLevel().isGE(EErrorLevel.ERROR)) {
              errors.add(new String[] { error.getErrorID() == null ? "" : error.getErrorID(), error.getErrorText(Locale.US) });
            }
          }
        }
        print(file, "ubl", errors);
      }
    }
    if (!pdfa.isEmpty()) {
      VeraGreenfieldFoundryProvider.initialise();
      for (String file : pdfa) {
        List<String[]> errors = new ArrayList<>();
        try (InputStream in = new FileInputStream(file);
             PDFAParser parser = Foundries.defaultInstance().createParser(in, PDFAFlavour.PDFA_3_B);
             PDFAValidator validator = Foundries.defaultInstance().createValidator(PDFAFlavour.PDFA_3_B, false)) {
          ValidationResult result = validator.validate(parser);
          if (!result.isCompliant()) {
            for (TestAssertion assertion : result.getTestAssertions()) {
              if (assertion.getStatus() == TestAssertion.Status.FAILED) {
                errors.add(new String[] { assertion.getRuleId().getClause() + "-" + assertion.getRuleId().getTestNumber(), assertion.getMessage() });
              }
            }
            if (errors.isEmpty()) errors.add(new String[] { "not-compliant", "veraPDF: not PDF/A-3b compliant" });
          }
        }
        print(file, "pdfa", errors);
      }
    }
  }
}
