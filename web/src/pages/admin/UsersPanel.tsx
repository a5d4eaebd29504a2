/**
 * Users and roles (GET /users): change a role, disable or re-enable an account (PATCH
 * /users/{id}). The API refuses to demote or disable the last active admin (409) and
 * ends a disabled user's sessions at once.
 */
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useServices } from "../../app/ServicesContext";
import { updateUser, useUsers } from "../../data/admin";
import { queryKeys } from "../../data/queryKeys";
import type { MessageKey } from "../../i18n/en";
import { useT } from "../../i18n/I18nProvider";
import { ConfirmButton } from "../../shared/ConfirmButton";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { useAction } from "../../shared/useAction";

type Role = Schemas["Role"];
const ROLES: readonly Role[] = ["viewer", "trader", "admin"];
const ROLE_LABEL: Record<Role, MessageKey> = {
  viewer: "users.role.viewer",
  trader: "users.role.trader",
  admin: "users.role.admin",
};

export function UsersPanel(props: { meId: string }) {
  const t = useT();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const users = useUsers(true);
  const action = useAction();

  const change = (userId: string, body: Schemas["UserUpdate"]) =>
    void action.run(async () => {
      await updateUser(api, userId, body);
      await queryClient.invalidateQueries({ queryKey: queryKeys.users });
    });

  return (
    <Panel title={t("users.title")} query={users}>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("login.email")}</th>
            <th scope="col">{t("users.role")}</th>
            <th scope="col">{t("users.mfa")}</th>
            <th scope="col">{t("users.status")}</th>
            <th scope="col">
              <span className="visually-hidden">{t("common.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(users.data?.items ?? []).map((user) => (
            <tr key={user.id}>
              <td>
                {user.email}
                {user.id === props.meId && <span className="muted"> ({t("users.you")})</span>}
              </td>
              <td>
                <select
                  aria-label={t("users.roleOf", { email: user.email })}
                  value={user.role}
                  disabled={action.busy}
                  onChange={(e) => change(user.id, { role: e.target.value as Role })}
                >
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {t(ROLE_LABEL[role])}
                    </option>
                  ))}
                </select>
              </td>
              <td>{user.mfa_enabled ? t("users.mfaOn") : t("users.mfaOff")}</td>
              <td>{user.is_active ? t("users.active") : t("users.disabled")}</td>
              <td>
                {user.is_active ? (
                  <ConfirmButton
                    label={t("users.disable")}
                    ariaLabel={t("users.disableNamed", { email: user.email })}
                    question={t("users.disableQuestion", { email: user.email })}
                    disabled={action.busy}
                    onConfirm={() => change(user.id, { is_active: false })}
                  />
                ) : (
                  <button
                    type="button"
                    aria-label={t("users.enableNamed", { email: user.email })}
                    disabled={action.busy}
                    onClick={() => change(user.id, { is_active: true })}
                  >
                    {t("users.enable")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNotice error={action.error} />
    </Panel>
  );
}
