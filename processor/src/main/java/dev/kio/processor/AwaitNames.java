package dev.kio.processor;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.MemberSelectTree;

/**
 * Recognises calls of {@code dev.kio.Flows.await} from the way a compilation unit imports it,
 * before any type checking: {@code await(x)} under a static import, {@code Flows.await(x)} under
 * a type import, or the fully qualified form.
 */
final class AwaitNames {
    static final String FLOWS = "dev.kio.Flows";

    private final boolean bareAwait;
    private final boolean simpleFlows;

    AwaitNames(CompilationUnitTree unit) {
        boolean bare = false;
        boolean simple = unit.getPackageName() != null && unit.getPackageName().toString().equals("dev.kio");
        for (ImportTree i : unit.getImports()) {
            String name = i.getQualifiedIdentifier().toString();
            if (i.isStatic()) {
                bare |= name.equals(FLOWS + ".await") || name.equals(FLOWS + ".*");
            } else {
                simple |= name.equals(FLOWS) || name.equals("dev.kio.*");
            }
        }
        this.bareAwait = bare;
        this.simpleFlows = simple;
    }

    boolean isAwait(ExpressionTree select) {
        if (select instanceof IdentifierTree id) {
            return bareAwait && id.getName().contentEquals("await");
        }
        if (select instanceof MemberSelectTree ms && ms.getIdentifier().contentEquals("await")) {
            String owner = ms.getExpression().toString();
            return owner.equals(FLOWS) || simpleFlows && owner.equals("Flows");
        }
        return false;
    }
}
